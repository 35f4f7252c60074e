/**
 * Layers and models. {@link dev.isthmus.nn.Layer} holds its {@link dev.isthmus.nn.Parameter parameters},
 * registered buffers (non-learnable state such as a running mean, saved beside the parameters under PyTorch's
 * state_dict names) and children, and dispatches its explicit forward and backward to the kernels; the
 * per-call state (activations, saved inputs, scratch) is a {@link dev.isthmus.nn.LayerState} owned by the caller,
 * and a layer used from two threads without one fails loudly ({@code CallGuard}).
 *
 * <p>Models: {@link dev.isthmus.nn.Sequential}, described as JSON by {@link dev.isthmus.nn.ModelSpec}, parsed and
 * size-checked before anything is allocated by {@code ModelPlan}, loaded from files by
 * {@link dev.isthmus.nn.ModelLoader}; a layer type of one's own joins the JSON form through
 * {@link dev.isthmus.nn.LayerTypes}. {@link dev.isthmus.nn.Summary} prints a model as torchinfo does.
 */
package dev.isthmus.nn;
