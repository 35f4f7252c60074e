/**
 * Convolution algorithms, each a {@link dev.isthmus.kernel.conv.ConvPass} sized once for one
 * {@link dev.isthmus.kernel.conv.ConvGeometry} and owned by one caller's layer state: im2col with a GEMM per
 * image or for the whole batch ({@code Im2colPerImage}, {@code Im2colBatched}, over {@link dev.isthmus.kernel.conv.Im2col}),
 * the direct implicit GEMM for stride 1 and few taps ({@link dev.isthmus.kernel.conv.DirectConv},
 * {@link dev.isthmus.kernel.conv.ChannelsLastConv}), and the plain-loop {@link dev.isthmus.kernel.conv.ReferenceConv}
 * the others are tested against. {@code nn.Conv2d} chooses among them and dispatches; the arithmetic lives here.
 */
package dev.isthmus.kernel.conv;
