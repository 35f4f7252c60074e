/**
 * Optimisation: optimizers over a model's flat parameter store ({@link dev.isthmus.optim.SGD},
 * {@link dev.isthmus.optim.Adam}, {@link dev.isthmus.optim.AdamW}, matching {@code torch.optim}), L1/L2
 * penalties ({@link dev.isthmus.optim.Penalty}), gradient clipping ({@link dev.isthmus.optim.GradClip}),
 * gradient accumulation ({@link dev.isthmus.optim.GradientAccumulator}), learning-rate schedules
 * ({@link dev.isthmus.optim.LrScheduler}, matching {@code torch.optim.lr_scheduler}) and the learning-rate
 * range test ({@link dev.isthmus.optim.LrRangeTest}).
 *
 * <p>One training step, in order: {@code opt.zeroGrad()} (or the accumulator's), forward, loss,
 * {@code loss.backward(scale)} and the model's backward, {@code penalty.apply(params, scale)},
 * {@code GradClip.clipGradNorm(params, max)}, {@code opt.step()}, and the schedule's {@code step()} per
 * batch or per epoch as its {@code interval()} says.
 */
package dev.isthmus.optim;
