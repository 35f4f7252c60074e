package dev.isthmus.jpms;

import org.junit.jupiter.api.Test;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Isthmus works from the module path: bindings, native and engine (with Jackson) as named modules, the
 * bundled OpenBLAS jar on the class path (its own descriptor requires JavaCPP, which Isthmus does not use).
 * The rest of the suite runs on the class path, so both ways are tested. Runs {@link ModulePathProbe} in a
 * child JVM, with native access granted to the three modules by name: a missing grant would print a
 * "restricted method" warning, which fails the test.
 */
class ModulePathTest {

    private static boolean isModule(String entry) {
        String e = entry.replace(File.separatorChar, '/');
        return e.endsWith("/engine/target/classes") || e.contains("/native/target/") || e.contains("/bindings/target/")
                || e.contains("isthmus-native-") || e.contains("isthmus-bindings-") || e.contains("/jackson-");
    }

    @Test
    void trainsSavesAndLoadsWithTheModulesOnTheModulePath() throws Exception {
        List<String> modulePath = new ArrayList<>(), classPath = new ArrayList<>();
        for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
            if (isModule(entry)) {
                modulePath.add(entry);
            } else if (entry.endsWith("/engine/target/test-classes") || entry.contains("openblas") || entry.contains("javacpp")) {
                classPath.add(entry);
            }
        }
        assertEquals(6, modulePath.size(), "engine, native, bindings and jackson core, databind, annotations expected: " + modulePath);
        String java = ProcessHandle.current().info().command().orElse(System.getProperty("java.home") + "/bin/java");
        List<String> cmd = List.of(java, "--add-modules=jdk.incubator.vector,dev.isthmus.engine",
                "--enable-native-access=dev.isthmus.bindings,dev.isthmus.natives,dev.isthmus.engine",
                "-Disthmus.selfcheck=false",
                "--module-path", String.join(File.pathSeparator, modulePath),
                "-cp", String.join(File.pathSeparator, classPath), ModulePathProbe.class.getName());
        Process p = new ProcessBuilder(cmd).start();
        CompletableFuture<String> err = CompletableFuture.supplyAsync(() -> {
            try {
                return new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "child JVM finished");
        String stderr = err.join();
        assertEquals(0, p.exitValue(), out + stderr);
        assertTrue(out.contains("modules dev.isthmus.engine dev.isthmus.natives dev.isthmus.bindings"), out);
        assertTrue(out.contains("(bundled)"), "the bundled OpenBLAS was found from the module path:\n" + out);
        assertTrue(out.contains("round trip: same logits"), out);
        assertTrue(out.contains("predictor: same logits"), out);
        List<String> warnings = stderr.lines().filter(l -> !l.equals("WARNING: Using incubator modules: jdk.incubator.vector")).toList();
        assertTrue(warnings.isEmpty(), "no other output on stderr (e.g. restricted-method warnings):\n" + stderr);
    }
}
