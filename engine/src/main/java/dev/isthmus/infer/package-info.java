/**
 * Inference for services: {@link dev.isthmus.infer.Predictor} shares one model's read-only weights between
 * any number of threads, each call on a workspace of its own ({@code Workspace}, pooled by {@code WorkspacePool})
 * that allocates nothing once warm. Files reach it through {@code ModelFiles} (Isthmus files and bare state_dicts,
 * matched strictly by {@code StrictWeights}) or a {@link dev.isthmus.infer.ModelFormat} plug-in such as ONNX.
 */
package dev.isthmus.infer;
