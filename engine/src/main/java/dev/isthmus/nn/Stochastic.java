package dev.isthmus.nn;

/**
 * A module that draws random numbers in training (Dropout). The trainer reseeds every such module before
 * each step from (seed, step), so a run is reproducible bit for bit and a resumed run draws exactly what the
 * uninterrupted one would have, without saving generator states.
 */
public interface Stochastic {
    /** Restarts this module's random stream from {@code seed}. */
    void reseed(long seed);
}
