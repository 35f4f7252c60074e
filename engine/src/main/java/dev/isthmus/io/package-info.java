/**
 * Serialization: checkpoints in the safetensors format ({@link dev.isthmus.io.SafeTensors}), shared with
 * PyTorch, and crash-safe file replacement ({@link dev.isthmus.io.AtomicFiles}).
 *
 * <p>The API works on plain ordered maps of PyTorch {@code state_dict} names to tensors
 * ({@code 0.weight}, {@code 0.bias}, ...) plus a map of string metadata, so any model that can list its
 * parameters by name can be saved and restored.
 */
package dev.isthmus.io;
