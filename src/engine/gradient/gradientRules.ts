// The registry of vector–Jacobian product rules: one per ONNX operator the gradient graph can go back through.
import type { onnx } from 'onnx-proto';
import type { GradientContext } from './gradientContext';
import { ELEMENTWISE_RULES, LINEAR_ALGEBRA_RULES } from './elementwiseRules';
import { SHAPE_RULES } from './shapeRules';
import { SPATIAL_RULES } from './spatialRules';

/** How to go back through one operator. */
export interface GradientRule {
  /** Input positions the rule can differentiate ('all' = every input); a source-dependent tensor at any other position is an error. */
  inputs: number[] | 'all';
  /**
   * Emits the gradients of the node's inputs from those of its outputs (undefined = zero), for the inputs marked in
   * `wanted`; returns one name (or undefined) per input.
   */
  backward(node: onnx.INodeProto, outputGradients: Array<string | undefined>, ctx: GradientContext, wanted: boolean[]): Array<string | undefined>;
}

/** Every rule, by ONNX operator (default domain). */
export const GRADIENT_RULES: Readonly<Record<string, GradientRule>> = { ...ELEMENTWISE_RULES, ...LINEAR_ALGEBRA_RULES, ...SPATIAL_RULES, ...SHAPE_RULES };

/** True when the gradient can go back through input `position` of `op`. */
export function differentiates(op: string, position: number): boolean {
  const rule = GRADIENT_RULES[op];
  return rule !== undefined && (rule.inputs === 'all' || rule.inputs.includes(position));
}
