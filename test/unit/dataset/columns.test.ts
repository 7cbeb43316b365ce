import * as assert from 'node:assert/strict';
import { findColumn, isAttributeColumnName, isMissingValue, LABEL_COLUMNS, matchColumn, normaliseColumnName, PATH_COLUMNS } from '../../../src/engine/dataset/columns';
import { extensionOf, IMAGE_EXTENSIONS, isImageFileName } from '../../../src/engine/dataset/imageExtensions';

describe('dataset column rules', () => {
  it('normalises names by case and separators', () => {
    assert.equal(normaliseColumnName('File_Name'), 'filename');
    assert.equal(normaliseColumnName(' Skin-Tone '), 'skintone');
    assert.equal(normaliseColumnName('Âge groupe'), 'âgegroupe');
  });

  it('guesses sensitive attribute columns by name, with an optional subject prefix', () => {
    const guessed = ['Gender', 'SEX', 'age', 'Age Group', 'age_bucket', 'race', 'Ethnicity', 'ethnic_group', 'skin_tone', 'SkinType',
      'fitzpatrick', 'fitzpatrick_scale', 'monk_skin_tone', 'religion', 'disability', 'nationality', 'patient_sex', 'apparent_age'];
    const notGuessed = ['image', 'page', 'usage', 'lineage', 'label', 'sexton', 'race_car', 'agent', 'path'];
    assert.deepEqual(guessed.filter((c) => !isAttributeColumnName(c)), []);
    assert.deepEqual(notGuessed.filter(isAttributeColumnName), []);
  });

  it('picks path and label columns in order of preference', () => {
    assert.equal(findColumn(['image_id', 'Path', 'label'], PATH_COLUMNS), 'Path');
    assert.equal(findColumn(['lesion_id', 'image_id', 'dx'], PATH_COLUMNS), 'image_id');
    assert.equal(findColumn(['lesion_id', 'image_id', 'dx'], LABEL_COLUMNS), 'dx');
    assert.equal(findColumn(['target', 'Label'], LABEL_COLUMNS), 'Label');
    assert.equal(findColumn(['a', 'b'], LABEL_COLUMNS), undefined);
  });

  it('matches configured columns exactly first, then loosely', () => {
    assert.equal(matchColumn(['Sex', 'sex'], 'sex'), 'sex');
    assert.equal(matchColumn(['Skin Tone'], 'skin_tone'), 'Skin Tone');
    assert.equal(matchColumn(['a'], 'b'), undefined);
  });

  it('treats empty and not-available spellings as missing, and keeps real values', () => {
    assert.deepEqual([undefined, '', '  ', 'NaN', 'NA', 'n/a', 'null'].map(isMissingValue), [true, true, true, true, true, true, true]);
    assert.deepEqual(['0', 'none', 'unknown', 'F'].map(isMissingValue), [false, false, false, false]);
  });

  it('recognises image extensions case-insensitively, bmp included, hidden files excluded', () => {
    assert.equal(IMAGE_EXTENSIONS.size, 11);
    assert.deepEqual(['a.JPG', 'b.tiff', 'c.bmp', 'd.HEIC', 'e.avif'].map(isImageFileName), [true, true, true, true, true]);
    assert.deepEqual(['a.txt', 'png', '.x.png', 'dir.png/x'].map(isImageFileName), [false, false, false, false]);
    assert.equal(extensionOf('a/b.c/d'), '');
    assert.equal(extensionOf('x.tar.PNG'), 'png');
  });
});
