package dev.isthmus.train;

import dev.isthmus.testing.Allocations;

import dev.isthmus.train.ConsoleProgress.Mode;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.lang.reflect.Constructor;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ConsoleProgressTest {

    private static final class FakeClock {
        long now = 1_000_000_000L;

        long read() {
            return now;
        }
    }

    static EpochRecord record(int epoch) {
        return new EpochRecord(epoch, 0.2345, 0.2567, Map.of("val_acc", 0.9312), 1e-3, 12.3, 5210, 0.0492);
    }

    @Test
    void plainLineHasEveryFieldInOrder() {
        assertEquals("epoch 3/10  train_loss 0.2345  val_loss 0.2567  val_acc 0.9312  lr 1.0e-03  12.3 s  5,210 img/s"
                + "  data-wait 0.4%", ConsoleProgress.epochLine(record(3), 10, "img/s"));
        EpochRecord sparse = new EpochRecord(2, 1.5e-5, Double.NaN, Map.of(), Double.NaN, Double.NaN, Double.NaN,
                Double.NaN);
        assertEquals("epoch 2  train_loss 1.500e-05", ConsoleProgress.epochLine(sparse, 0, "img/s"));
        assertEquals("1234567.000", String.format(java.util.Locale.ROOT, "%.3f", 1234567.0));
        assertEquals("1.235e+06", ConsoleProgress.number(1234567.0));
        assertEquals("0.0000", ConsoleProgress.number(0));
    }

    @Test
    void plainModePrintsOneLinePerEpochAndNothingPerBatch() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        ConsoleProgress p = ConsoleProgress.forTest(Mode.PLAIN, new PrintStream(bytes, true, StandardCharsets.UTF_8),
                "img/s", new FakeClock()::read, 80);
        assertEquals(Mode.PLAIN, p.mode());
        p.onTrainStart(2);
        for (int e = 1; e <= 2; e++) {
            p.onEpochStart(e, 2, 100);
            for (int b = 1; b <= 100; b++) {
                p.onBatchEnd(b, 32, 0.5);
            }
            p.onEpochEnd(record(e));
        }
        p.onTrainEnd();
        String out = bytes.toString(StandardCharsets.UTF_8);
        assertEquals(ConsoleProgress.epochLine(record(1), 2, "img/s") + System.lineSeparator()
                + ConsoleProgress.epochLine(record(2), 2, "img/s") + System.lineSeparator(), out);
    }

    @Test
    void offModePrintsNothing() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        ConsoleProgress p = ConsoleProgress.forTest(Mode.OFF, new PrintStream(bytes), "img/s", System::nanoTime, 80);
        p.onEpochStart(1, 1, 10);
        p.onBatchEnd(1, 1, 1);
        p.onEpochEnd(record(1));
        assertEquals(0, bytes.size());
    }

    @Test
    void barModeDrawsTheBarThrottlesItsTextAndEndsWithTheSummaryLine() {
        assertTrue(ConsoleProgress.barAvailable());
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        FakeClock clock = new FakeClock();
        ConsoleProgress p = ConsoleProgress.forTest(Mode.BAR, new PrintStream(bytes, true, StandardCharsets.UTF_8),
                "img/s", clock::read, 120);
        assertEquals(Mode.BAR, p.mode());
        p.onTrainStart(3);
        p.onEpochStart(1, 3, 50);
        for (int b = 1; b <= 50; b++) {
            clock.now += 100_000_000L; // 100 ms per batch of 64: 640 img/s
            p.onBatchEnd(b, 64, 2.0 - b * 0.01);
        }
        // One text per >= 250 ms of batches: every third batch, never per batch.
        assertEquals(16, p.messagesFormatted());
        p.onEpochEnd(record(1));
        String out = bytes.toString(StandardCharsets.UTF_8);
        assertTrue(out.contains("epoch 1/3"), out);
        assertTrue(out.contains("50/50"), out);
        assertTrue(out.contains("640 img/s"), out);
        assertTrue(out.contains("loss 1.7"), out);
        assertTrue(out.endsWith(ConsoleProgress.epochLine(record(1), 3, "img/s") + System.lineSeparator()), out);
        p.onTrainEnd();
    }

    @Test
    void batchCallbacksAllocateNothingBetweenRedraws() {
        for (Mode mode : new Mode[]{Mode.PLAIN, Mode.BAR}) {
            FakeClock clock = new FakeClock();
            ConsoleProgress p = ConsoleProgress.forTest(mode, new PrintStream(new ByteArrayOutputStream()), "img/s",
                    clock::read, 100);
            p.onEpochStart(1, 1, 1_000_000);
            int[] batch = {0};
            for (int i = 0; i < 20_000; i++) {
                p.onBatchEnd(++batch[0], 32, 0.25);
            }
            long bytes = Allocations.measure(() -> {
                for (int i = 0; i < 20_000; i++) {
                    p.onBatchEnd(++batch[0], 32, 0.25);
                }
            });
            p.onTrainEnd();
            assertTrue(bytes < 1024, mode + ": 20,000 batches allocated " + bytes + " bytes");
        }
    }

    @Test
    void modeResolution() {
        assertEquals(Mode.BAR, ConsoleProgress.resolve(Mode.AUTO, true, true));
        assertEquals(Mode.PLAIN, ConsoleProgress.resolve(Mode.AUTO, false, true));
        assertEquals(Mode.PLAIN, ConsoleProgress.resolve(Mode.AUTO, true, false));
        assertEquals(Mode.BAR, ConsoleProgress.resolve(Mode.BAR, false, true));
        assertEquals(Mode.PLAIN, ConsoleProgress.resolve(Mode.BAR, true, false));
        assertEquals(Mode.OFF, ConsoleProgress.resolve(Mode.OFF, true, true));
        assertEquals(Mode.PLAIN, ConsoleProgress.parseMode(" Plain "));
        assertEquals(Mode.AUTO, ConsoleProgress.parseMode(null));
        var e = assertThrows(IllegalArgumentException.class, () -> ConsoleProgress.parseMode("fancy"));
        assertTrue(e.getMessage().contains("'fancy'"), e.getMessage());
    }

    @Test
    void notInteractiveInCiOrWithoutATerminal() {
        assertFalse(ConsoleProgress.isInteractive(null, Map.of()));
        assertFalse(ConsoleProgress.isInteractive(System.console(), Map.of("CI", "true")));
        assertFalse(ConsoleProgress.isInteractive(System.console(), Map.of("TERM", "dumb")));
        // Surefire's forked JVM has its output piped, never a terminal.
        assertFalse(ConsoleProgress.isInteractive(System.console(), Map.of("CI", "false")));
        assertEquals(Mode.PLAIN, ConsoleProgress.create(Mode.AUTO, System.out, "img/s").mode());
    }

    @Test
    void withoutTheProgressbarLibraryFallsBackToPlainLines() throws Exception {
        try (URLClassLoader loader = WithoutOptionalLibraries.loader()) {
            Class<?> cls = Class.forName(ConsoleProgress.class.getName(), true, loader);
            @SuppressWarnings({"unchecked", "rawtypes"})
            Object bar = Enum.valueOf((Class) Class.forName(Mode.class.getName(), true, loader), "BAR");
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            Object p = cls.getMethod("create", bar.getClass(), PrintStream.class, String.class)
                    .invoke(null, bar, new PrintStream(bytes, true, StandardCharsets.UTF_8), "img/s");
            assertEquals("PLAIN", cls.getMethod("mode").invoke(p).toString());
            cls.getMethod("onEpochStart", int.class, int.class, int.class).invoke(p, 1, 1, 10);
            cls.getMethod("onBatchEnd", int.class, int.class, double.class).invoke(p, 1, 8, 0.5);
            Class<?> recordClass = Class.forName(EpochRecord.class.getName(), true, loader);
            Constructor<?> ctor = recordClass.getConstructors()[0];
            Object rec = ctor.newInstance(1, 0.5, Double.NaN, Map.of(), 0.1, 2.0, 4.0, 0.0);
            cls.getMethod("onEpochEnd", recordClass).invoke(p, rec);
            assertEquals("epoch 1/1  train_loss 0.5000  lr 1.0e-01  2.0 s  4 img/s  data-wait 0.0%"
                    + System.lineSeparator(), bytes.toString(StandardCharsets.UTF_8));
        }
    }

    @Test
    void compositeListenerForwardsInOrder() {
        List<String> calls = new ArrayList<>();
        TrainingListener a = new TrainingListener() {
            @Override
            public void onBatchEnd(int batch, int batchSize, double loss) {
                calls.add("a" + batch);
            }

            @Override
            public void onEpochEnd(EpochRecord record) {
                calls.add("a-end" + record.epoch());
            }
        };
        TrainingListener b = new TrainingListener() {
            @Override
            public void onBatchEnd(int batch, int batchSize, double loss) {
                calls.add("b" + batch);
            }

            @Override
            public void onTrainStart(int epochs) {
                calls.add("b-start" + epochs);
            }
        };
        TrainingListener both = TrainingListener.of(a, b);
        both.onTrainStart(5);
        both.onEpochStart(1, 5, 2);
        both.onBatchEnd(1, 4, 0.1);
        both.onEpochEnd(record(1));
        both.onTrainEnd();
        assertEquals(List.of("b-start5", "a1", "b1", "a-end1"), calls);
    }
}
