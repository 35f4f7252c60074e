package dev.isthmus.data;

/**
 * The order in which a {@link DataLoader} visits a dataset in each epoch, as dataset indices. Like
 * {@code torch.utils.data.Sampler}, but the order of an epoch is a pure function of the epoch number, so a run
 * resumed at epoch {@code e} sees exactly the batches it would have seen.
 */
public interface Sampler {

    /** Number of indices per epoch. */
    int length();

    /** Writes epoch {@code epoch}'s indices into {@code out} ({@link #length()} entries); allocates nothing. */
    void fill(int epoch, int[] out);

    /** Epoch {@code epoch}'s indices in a new array. */
    default int[] order(int epoch) {
        int[] out = new int[length()];
        fill(epoch, out);
        return out;
    }
}
