package dev.isthmus.bench.suite;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The machine check after each row: drift within a run, and differing machine states between two runs. */
class MachineCheckTest {
    private static final MachineCheck GOOD = new MachineCheck(230, 31);

    @Test
    void aCheckMoreThanTenPercentShortInComputeOrBandwidthCountsAsAnotherMachineState() {
        assertFalse(new MachineCheck(210, 25).shortOf(GOOD, true, true), "9 % less compute, 19 % less bandwidth: the same state");
        assertTrue(new MachineCheck(230, 22).shortOf(GOOD, false, true), "29 % less bandwidth");
        assertTrue(new MachineCheck(200, 31).shortOf(GOOD, true, true), "13 % less compute");
        assertTrue(new MachineCheck(230, 20).shortOf(GOOD, true, true), "35 % less bandwidth (the drift seen on 2 threads)");
        assertFalse(new MachineCheck(230, 20).shortOf(GOOD, true, false), "a compute-bound row is judged by compute only");
        assertFalse(new MachineCheck(150, 31).shortOf(GOOD, false, true), "a memory-bound row by bandwidth only");
        assertTrue(GOOD.differsFrom(new MachineCheck(230, 20), true, true));
        assertTrue(new MachineCheck(230, 20).differsFrom(GOOD, false, true), "symmetric");
        assertFalse(GOOD.differsFrom(new MachineCheck(225, 30), true, true));
    }

    @Test
    void aRowWhoseCheckFellShortOfTheRunsBestAtItsThreadCountIsFlaggedDriftedAndNotTrusted() {
        List<Row> memory = kernels(false), compute = kernels(true);
        Row a = memory.get(0), b = memory.get(1), c = memory.get(2), gemm = compute.get(0);
        assertEquals(a.threads(), gemm.threads());
        List<Row> out = RowRecorder.flagDrifted(List.of(Recorded.checked(a, GOOD), Recorded.checked(b, new MachineCheck(228, 19)),
                Recorded.checked(c, new MachineCheck(229, 30)), Recorded.checked(gemm, new MachineCheck(231, 19))));
        assertFalse(out.get(0).flags().contains(Row.DRIFTED));
        assertTrue(out.get(1).flags().contains(Row.DRIFTED), "a memory-bound row whose triad check is 37 % below the median");
        assertFalse(out.get(1).trusted());
        assertFalse(out.get(2).flags().contains(Row.DRIFTED));
        assertFalse(out.get(3).flags().contains(Row.DRIFTED), "a compute-bound row with full FMA: bandwidth does not bound it");
    }

    @Test
    void oneLuckyCheckDoesNotMakeEveryOtherRowDrifted() {
        List<Row> memory = kernels(false);
        List<Row> out = RowRecorder.flagDrifted(List.of(Recorded.checked(memory.get(0), new MachineCheck(230, 45)),
                Recorded.checked(memory.get(1), GOOD), Recorded.checked(memory.get(2), new MachineCheck(229, 29))));
        assertTrue(out.stream().noneMatch(r -> r.flags().contains(Row.DRIFTED)), "the reference is the median, not the best");
    }

    @Test
    void checksAtDifferentThreadCountsAreNotComparedWithEachOther() {
        Row one = Recorded.quick().rows().stream().filter(r -> !r.skipped() && r.section().equals("kernel")).findFirst().orElseThrow();
        Row two = new Row(Row.id(one.section(), one.name(), one.threads() + 1), one.section(), one.name(), one.threads() + 1,
                one.batch(), one.unit(), one.higherIsBetter(), one.value(), one.stats(), one.roofline(), one.otherCpuShare(),
                one.flags(), one.note(), null);
        List<Row> out = RowRecorder.flagDrifted(List.of(Recorded.checked(one, new MachineCheck(115, 19)),
                Recorded.checked(two, GOOD)));
        assertTrue(out.stream().noneMatch(r -> r.flags().contains(Row.DRIFTED)), "one thread's check is not two threads'");
    }

    @Test
    void aComparedRatioIsMarkedWhereTheTwoRunsChecksDiffer() {
        SuiteResult base = Recorded.mapRows(Recorded.quick(), r -> r.skipped() ? r : Recorded.checked(r, GOOD));
        String slowId = kernels(false).get(0).id();
        SuiteResult other = Recorded.mapRows(base, r -> r.id().equals(slowId) ? Recorded.checked(r, new MachineCheck(229, 20)) : r);
        Comparison cmp = new Comparison(List.of("a.json", "b.json"), List.of(base, other), Set.of());
        long marked = cmp.lines().stream().filter(l -> l.machineDiffers().get(1)).count();
        assertEquals(1, marked);
        assertTrue(cmp.lines().stream().filter(l -> l.id().equals(slowId)).findFirst().orElseThrow().machineDiffers().get(1));
        String md = cmp.toMarkdown();
        assertTrue(md.contains(" †"), md);
        assertTrue(md.contains("† 1 rows ran while the machines were in different states"), md);
    }

    /** The recorded run's measured kernel rows that compute ({@code true}) or bandwidth bounds. */
    private static List<Row> kernels(boolean computeBound) {
        return Recorded.quick().rows().stream().filter(r -> !r.skipped() && r.section().equals("kernel")
                && r.roofline() != null && r.roofline().bound().equals(computeBound ? "compute" : "memory")).toList();
    }

    @Test
    void aResultWrittenBeforeChecksExistedReadsWithNone() {
        assertTrue(Recorded.quick().rows().stream().allMatch(r -> r.check() == null));
        SuiteResult withChecks = Recorded.mapRows(Recorded.quick(), r -> r.skipped() ? r : Recorded.checked(r, GOOD));
        SuiteResult back = ResultsIo.fromJson(ResultsIo.toJson(withChecks), "round trip");
        assertEquals(withChecks.rows(), back.rows());
    }
}
