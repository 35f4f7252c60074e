package dev.isthmus.infer;

import dev.isthmus.nn.Linear;

import java.nio.file.Path;
import java.util.Map;

/** A {@link ModelFormat} registered for the tests in META-INF/services: reads "*.fakemodel" as a Linear(3 -> 2). */
public class FakeFormat implements ModelFormat {
    @Override
    public boolean accepts(Path file) {
        return file.getFileName().toString().endsWith(".fakemodel");
    }

    @Override
    public LoadedModel read(Path file) {
        return new LoadedModel(new Linear(3, 2), new int[]{3}, Map.of("format", "test"));
    }
}
