package dev.isthmus.optim;

/**
 * The optimizer's rate, unchanged: the default when no schedule is given. (Not PyTorch's
 * {@code ConstantLR}, which scales the rate by a factor for a number of epochs.)
 */
public final class ConstantSchedule extends ClosedFormSchedule {
    public ConstantSchedule(Optimizer opt) {
        super(opt);
    }

    @Override
    public double lrAt(long epoch) {
        return baseLr;
    }
}
