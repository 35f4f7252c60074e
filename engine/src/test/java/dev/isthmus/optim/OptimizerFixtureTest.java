package dev.isthmus.optim;

import com.fasterxml.jackson.databind.JsonNode;
import dev.isthmus.nn.Linear;
import dev.isthmus.nn.Parameters;
import dev.isthmus.tensor.Tensor;
import dev.isthmus.testing.Fixtures;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Five steps of each optimizer on a Linear(4, 3) with PyTorch's fixed gradients and a rate that changes
 * after step 3 ({@code gen_optim.py}): parameters after every step and the buffers after the last match
 * torch.optim to 1e-5.
 */
class OptimizerFixtureTest {
    private static final double RTOL = 1e-5;

    @ParameterizedTest
    @ValueSource(strings = {"sgd", "sgd_wd", "sgd_momentum", "sgd_momentum_dampening_wd", "sgd_nesterov_wd",
            "sgd_nesterov_nodecay_bias", "adam", "adam_wd", "adam_nodecay_bias", "adamw", "adamw_wd", "adamw_nodecay_bias"})
    void matchesPyTorch(String name) {
        Fixtures f = Fixtures.load("optim/" + name + ".json");
        try (Linear lin = new Linear(4, 3)) {
            lin.weight().data().copyFrom(f.data("weight0"));
            lin.bias().data().copyFrom(f.data("bias0"));
            Parameters params = lin.parameters();
            try (Optimizer opt = build(params, f.node("settings"))) {
                int steps = (int) f.scalar("steps");
                for (int t = 1; t <= steps; t++) {
                    lin.weight().grad().copyFrom(f.data("grad_weight_" + t));
                    lin.bias().grad().copyFrom(f.data("grad_bias_" + t));
                    opt.setLr(f.scalar("lr_" + t));
                    opt.step();
                    f.assertClose("weight_" + t, lin.weight().data(), RTOL);
                    f.assertClose("bias_" + t, lin.bias().data(), RTOL);
                }
                assertEquals(steps, opt.stepCount());
                OptimizerState state = opt.state();
                int checked = 0;
                for (String buffer : new String[]{"momentum_buffer", "exp_avg", "exp_avg_sq"}) {
                    for (int index = 0; index < 2; index++) {
                        String key = "state_" + buffer + (index == 0 ? "_weight" : "_bias");
                        if (f.has(key)) {
                            Tensor flat = state.buffers().get(buffer);
                            int[] shape = index == 0 ? new int[]{3, 4} : new int[]{3};
                            f.assertClose(key, flat.view(params.offset(index), shape), RTOL);
                            checked++;
                        }
                    }
                }
                assertEquals(state.buffers().size() * 2, checked, name + ": every buffer compared with PyTorch's state");
            }
        }
    }

    static Optimizer build(Parameters p, JsonNode s) {
        String kind = s.get("optimizer").asText();
        boolean nodecay = s.get("nodecay_bias").asBoolean();
        double lr = s.get("lr").asDouble();
        return switch (kind) {
            case "SGD" -> SGD.builder(p, lr)
                    .momentum(s.path("momentum").asDouble(0))
                    .dampening(s.path("dampening").asDouble(0))
                    .weightDecay(s.path("weight_decay").asDouble(0))
                    .nesterov(s.path("nesterov").asBoolean(false))
                    .decayOnlyWhereMarked(nodecay)
                    .build();
            case "Adam" -> adam(Adam.builder(p), s, 0).decayOnlyWhereMarked(nodecay).build();
            case "AdamW" -> adam(AdamW.builder(p), s, 1e-2).decayOnlyWhereMarked(nodecay).build();
            default -> throw new IllegalArgumentException("unknown optimizer " + kind);
        };
    }

    private static <O extends AdamBase> AdamBase.Builder<O> adam(AdamBase.Builder<O> b, JsonNode s, double defaultDecay) {
        b.lr(s.get("lr").asDouble());
        if (s.has("betas")) {
            b.betas(s.get("betas").get(0).asDouble(), s.get("betas").get(1).asDouble());
        }
        if (s.has("eps")) {
            b.eps(s.get("eps").asDouble());
        }
        return b.weightDecay(s.path("weight_decay").asDouble(defaultDecay));
    }
}
