package dev.isthmus.train;

import dev.isthmus.data.DataLoader;
import dev.isthmus.data.Dataset;
import dev.isthmus.loss.CrossEntropyLoss;
import dev.isthmus.nn.Sequential;
import dev.isthmus.optim.Adam;
import dev.isthmus.optim.CosineAnnealingLR;
import dev.isthmus.optim.Penalty;
import dev.isthmus.tensor.NativeMemory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every off-heap byte a training set allocates has an owner that frees it: the issue measured ~241 KB (LeNet-5's
 * weights, the early-stopping copy) leaked by every Trainer. Model, optimizer, loaders and Trainer with every
 * option on are built, trained, resumed and closed, and the engine's live off-heap bytes must return exactly.
 */
class TrainerOwnershipTest {

    @Test
    void aClosedTrainingSetGivesBackEveryByte(@TempDir Path dir) throws Exception {
        Dataset data = TrainerTest.blobs(96, 4);
        // The counter is global and the cleaner may free other tests' garbage meanwhile: one exact try suffices.
        long diff = Long.MAX_VALUE;
        for (int attempt = 0; attempt < 5 && diff != 0; attempt++) {
            long before = NativeMemory.liveBytes();
            runSet(data, dir.resolve("ckpt" + attempt + ".safetensors"));
            diff = NativeMemory.liveBytes() - before;
        }
        assertTrue(diff == 0, "a closed training set left " + diff + " bytes off-heap");
    }

    @Test
    void fitFreesTheBestWeightsCopyEvenIfTheTrainerIsNotClosed() {
        Dataset data = TrainerTest.blobs(96, 4);
        long diff = Long.MAX_VALUE;
        for (int attempt = 0; attempt < 5 && diff != 0; attempt++) {
            try (Sequential model = TrainerTest.mlp(1, false); Adam adam = new Adam(model.parameters(), 1e-2);
                 CrossEntropyLoss loss = new CrossEntropyLoss();
                 DataLoader tl = TrainerTest.loader(data, true, 1); DataLoader vl = TrainerTest.loader(data, false, 0)) {
                // Warm up: the layers' and the loss's buffers are allocated by the first passes and kept by their owners.
                Trainer.builder(model, loss, adam).epochs(1).build().fit(tl, vl);
                long before = NativeMemory.liveBytes();
                Trainer t = Trainer.builder(model, loss, adam).epochs(3).earlyStopping(EarlyStopping.onValidationLoss(5)).build();
                t.fit(tl, vl);
                diff = NativeMemory.liveBytes() - before;
            }
        }
        assertTrue(diff == 0, "fit with early stopping kept " + diff + " bytes after it ended");
    }

    @Test
    void aModelClosedBeforeItsParametersWereGatheredFreesThemToo() {
        long diff = Long.MAX_VALUE;
        for (int attempt = 0; attempt < 5 && diff != 0; attempt++) {
            String json;
            try (Sequential m = TrainerTest.mlp(2, false)) {
                json = dev.isthmus.nn.ModelSpec.toJson(m);
            }
            long before = NativeMemory.liveBytes();
            TrainerTest.mlp(1, true).close();                 // built (weights initialised) and closed, never trained
            dev.isthmus.nn.ModelSpec.parse(json);             // validates by building a model and closing it
            diff = NativeMemory.liveBytes() - before;
        }
        assertTrue(diff == 0, "an ungathered model left " + diff + " bytes");
    }

    private static void runSet(Dataset data, Path ckpt) throws Exception {
        for (int run = 0; run < 2; run++) {
            try (Sequential model = TrainerTest.mlp(2, true); Adam adam = new Adam(model.parameters(), 1e-2);
                 DataLoader tl = DataLoader.builder(data).batchSize(16).shuffle(true).seed(3).prefetch(2).build();
                 DataLoader vl = TrainerTest.loader(data, false, 0);
                 Trainer t = Trainer.builder(model, new CrossEntropyLoss(), adam).epochs(run == 0 ? 2 : 4).seed(1)
                         .classification(3).accumulate(2).clipGradNorm(1.0).penalty(Penalty.l2(1e-4))
                         .scheduler(new CosineAnnealingLR(adam, 4, 0)).earlyStopping(EarlyStopping.onValidationLoss(3))
                         .checkpoint(ckpt).build()) {
                if (run == 1) {
                    t.resumeFrom(ckpt);
                }
                t.fit(tl, vl);
                t.evaluate(vl);
            }
        }
    }
}
