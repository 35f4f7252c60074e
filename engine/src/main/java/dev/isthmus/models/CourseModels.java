package dev.isthmus.models;

import dev.isthmus.nn.Conv2d;
import dev.isthmus.nn.Dropout;
import dev.isthmus.nn.Flatten;
import dev.isthmus.nn.LeakyReLU;
import dev.isthmus.nn.Linear;
import dev.isthmus.nn.MaxPool2d;
import dev.isthmus.nn.Layer;
import dev.isthmus.nn.ReLU;
import dev.isthmus.nn.Sequential;
import dev.isthmus.nn.Sigmoid;
import dev.isthmus.nn.Tanh;
import dev.isthmus.tensor.Rng;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The networks of the course, built exactly as it draws them and initialised from a seed: the calculator
 * MLP (2-16-16-16-1: 609 parameters), the digits MLP (784-40-40-40-40-40-10), LeNet-5 (61,706
 * parameters), AlexNet (62,378,344 parameters for 1000 classes at 224x224x3) and a reduced AlexNet-style
 * network for 28x28 images. Layer indices, and so state_dict names, match the same {@code nn.Sequential}
 * in PyTorch.
 */
public final class CourseModels {
    private CourseModels() {
    }

    /** Hidden-layer activations the calculator project offers. */
    public enum Activation {
        RELU, TANH, LEAKY_RELU, SIGMOID;

        Layer create() {
            return switch (this) {
                case RELU -> new ReLU();
                case TANH -> new Tanh();
                case LEAKY_RELU -> new LeakyReLU(0.01f);
                case SIGMOID -> new Sigmoid();
            };
        }

        public static Activation parse(String s) {
            return valueOf(s.trim().toUpperCase(Locale.ROOT).replace('-', '_'));
        }
    }

    /** The calculator: {@code inputs -> width x depth -> 1}; the course's 2-16-16-16-1 is (2, 16, 3). */
    public static Sequential calculator(int inputs, int width, int depth, Activation activation, long seed) {
        if (width < 1 || depth < 1) {
            throw new IllegalArgumentException("calculator MLP needs width >= 1 and depth >= 1, got " + width + ", " + depth);
        }
        List<Layer> layers = new ArrayList<>();
        int in = inputs;
        for (int i = 0; i < depth; i++) {
            layers.add(new Linear(in, width));
            layers.add(activation.create());
            in = width;
        }
        layers.add(new Linear(in, 1));
        return init(new Sequential(layers), seed);
    }

    /** The digits MLP: Flatten, then 784-40-40-40-40-40-10 with ReLU (logits out). */
    public static Sequential digitsMlp(int classes, long seed) {
        List<Layer> layers = new ArrayList<>();
        layers.add(new Flatten());
        int in = 784;
        for (int i = 0; i < 5; i++) {
            layers.add(new Linear(in, 40));
            layers.add(new ReLU());
            in = 40;
        }
        layers.add(new Linear(40, classes));
        return init(new Sequential(layers), seed);
    }

    /** LeNet-5 as the course gives it: conv 1->6 5x5 pad 2, ReLU, pool, conv 6->16 5x5, ReLU, pool, 400-120-84-10. */
    public static Sequential lenet5(int classes, long seed) {
        return init(new Sequential(
                new Conv2d(1, 6, 5, 1, 2), new ReLU(), new MaxPool2d(2, 2),
                new Conv2d(6, 16, 5), new ReLU(), new MaxPool2d(2, 2),
                new Flatten(),
                new Linear(400, 120), new ReLU(),
                new Linear(120, 84), new ReLU(),
                new Linear(84, classes)), seed);
    }

    /** AlexNet, the course's version: 96-256-384-384-256 channels, 4096-4096-classes, for 224x224x3 input. */
    public static Sequential alexnet(int classes, long seed) {
        return init(new Sequential(
                new Conv2d(3, 96, 11, 4, 2), new ReLU(), new MaxPool2d(3, 2),
                new Conv2d(96, 256, 5, 1, 2), new ReLU(), new MaxPool2d(3, 2),
                new Conv2d(256, 384, 3, 1, 1), new ReLU(),
                new Conv2d(384, 384, 3, 1, 1), new ReLU(),
                new Conv2d(384, 256, 3, 1, 1), new ReLU(), new MaxPool2d(3, 2),
                new Flatten(),
                new Dropout(0.5f), new Linear(256 * 6 * 6, 4096), new ReLU(),
                new Dropout(0.5f), new Linear(4096, 4096), new ReLU(),
                new Linear(4096, classes)), seed);
    }

    /**
     * AlexNet's pattern at 28x28x1: five 3x3 convolutions (32-64-96-96-64 channels) with ReLU and three
     * max-pools, then dropout and three dense layers (576-256-256-classes).
     */
    public static Sequential alexnetSmall(int classes, long seed) {
        return init(new Sequential(
                new Conv2d(1, 32, 3, 1, 1), new ReLU(), new MaxPool2d(2, 2),
                new Conv2d(32, 64, 3, 1, 1), new ReLU(), new MaxPool2d(2, 2),
                new Conv2d(64, 96, 3, 1, 1), new ReLU(),
                new Conv2d(96, 96, 3, 1, 1), new ReLU(),
                new Conv2d(96, 64, 3, 1, 1), new ReLU(), new MaxPool2d(2, 2),
                new Flatten(),
                new Dropout(0.5f), new Linear(64 * 3 * 3, 256), new ReLU(),
                new Dropout(0.5f), new Linear(256, 256), new ReLU(),
                new Linear(256, classes)), seed);
    }

    private static Sequential init(Sequential model, long seed) {
        model.reset(new Rng(seed));
        return model;
    }
}
