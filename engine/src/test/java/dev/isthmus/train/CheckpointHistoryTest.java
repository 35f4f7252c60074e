package dev.isthmus.train;

import dev.isthmus.data.DataLoader;
import dev.isthmus.data.Dataset;
import dev.isthmus.io.CheckpointFormatException;
import dev.isthmus.loss.CrossEntropyLoss;
import dev.isthmus.nn.Sequential;
import dev.isthmus.optim.Adam;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The checkpoint holds what resuming needs and refers to the history file: its size does not grow with the
 * epochs (it held the whole history in its header, 1.25 MB after 2,500 epochs), and a resumed run still has
 * every epoch's record.
 */
class CheckpointHistoryTest {

    private static Trainer trainer(Sequential model, Adam opt, int epochs, Path ckpt) {
        return Trainer.builder(model, new CrossEntropyLoss(), opt).epochs(epochs).seed(9).classification(3)
                .earlyStopping(EarlyStopping.onValidationLoss(1000)).checkpoint(ckpt).build();
    }

    @Test
    void checkpointSizeDoesNotGrowWithTheHistoryAndResumeKeepsEveryEpoch(@TempDir Path dir) throws Exception {
        Dataset data = TrainerTest.blobs(64, 4);
        Path ckpt = dir.resolve("ckpt.safetensors");
        Sequential a = TrainerTest.mlp(1, false);
        long afterOne;
        try (DataLoader train = TrainerTest.loader(data, true, 5); DataLoader val = TrainerTest.loader(data, false, 0);
             Adam opt = new Adam(a.parameters(), 1e-2); Trainer t = trainer(a, opt, 1, ckpt)) {
            t.fit(train, val);
            afterOne = Files.size(ckpt);
        }
        Sequential b = TrainerTest.mlp(2, false);
        try (DataLoader train = TrainerTest.loader(data, true, 5); DataLoader val = TrainerTest.loader(data, false, 0);
             Adam opt = new Adam(b.parameters(), 1e-2); Trainer t = trainer(b, opt, 60, ckpt).resumeFrom(ckpt)) {
            assertEquals(1, t.history().size());
            t.fit(train, val);
        }
        long afterSixty = Files.size(ckpt);
        assertTrue(afterSixty - afterOne <= 64, "checkpoint grew from " + afterOne + " to " + afterSixty + " bytes");
        assertEquals(60, History.load(dir.resolve("ckpt.history.json")).size());

        Sequential c = TrainerTest.mlp(3, false);
        try (Adam opt = new Adam(c.parameters(), 1e-2); Trainer t = trainer(c, opt, 80, ckpt).resumeFrom(ckpt)) {
            History h = t.history();
            assertEquals(60, h.size());
            for (int e = 1; e <= 60; e++) {
                assertEquals(e, h.records().get(e - 1).epoch());
            }
        }
        a.close();
        b.close();
        c.close();
    }

    @Test
    void aMissingOrForeignHistoryFileIsRejectedWithItsName(@TempDir Path dir) throws Exception {
        Dataset data = TrainerTest.blobs(64, 4);
        Path ckpt = dir.resolve("run.safetensors");
        Path other = dir.resolve("other.safetensors");
        for (Path p : new Path[]{ckpt, other}) {
            Sequential m = TrainerTest.mlp(p == ckpt ? 1 : 7, false);
            try (DataLoader train = TrainerTest.loader(data, true, 5); DataLoader val = TrainerTest.loader(data, false, 0);
                 Adam opt = new Adam(m.parameters(), 1e-2); Trainer t = trainer(m, opt, 2, p)) {
                t.fit(train, val);
            }
            m.close();
        }
        Files.copy(dir.resolve("other.history.json"), dir.resolve("run.history.json"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        Sequential m = TrainerTest.mlp(1, false);
        try (Adam opt = new Adam(m.parameters(), 1e-2); Trainer t = trainer(m, opt, 4, ckpt)) {
            CheckpointFormatException e = assertThrows(CheckpointFormatException.class, () -> t.resumeFrom(ckpt));
            assertTrue(e.getMessage().contains("run.history.json") && e.getMessage().contains("another run"), e.getMessage());
            Files.delete(dir.resolve("run.history.json"));
            e = assertThrows(CheckpointFormatException.class, () -> t.resumeFrom(ckpt));
            assertTrue(e.getMessage().contains("run.history.json") && e.getMessage().contains("missing"), e.getMessage());
        }
        m.close();
    }
}
