package dev.isthmus.house;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The house rules that a reader checks by eye, checked on every build over the main sources of every
 * module: the packages' imports form no cycle (they point one way, tensor at the bottom, the CLI at the
 * top), and no hand-written class is longer than 400 lines (the jextract-shaped bindings and
 * protoc's output are generated).
 */
class HouseRulesTest {
    private static final int MAX_LINES = 400;
    private static final Pattern PACKAGE = Pattern.compile("^package ([\\w.]+);", Pattern.MULTILINE);
    private static final Pattern IMPORT = Pattern.compile("^import (?:static )?(dev\\.isthmus\\.[\\w.]+?)\\.[A-Z][\\w.]*(?:\\.\\*)?;",
            Pattern.MULTILINE);
    private static final Pattern QUALIFIED = Pattern.compile("\\b(dev\\.isthmus(?:\\.[a-z]\\w*)+)\\.[A-Z]");

    private static Path root() {
        Path p = Path.of("").toAbsolutePath();
        while (p != null && !Files.isDirectory(p.resolve("engine/src/main/java"))) {
            p = p.getParent();
        }
        assertTrue(p != null, "the repository root (with engine/src/main/java) is above " + Path.of("").toAbsolutePath());
        return p;
    }

    private static List<Path> mainSources() {
        try (Stream<Path> modules = Files.list(root())) {
            List<Path> out = new ArrayList<>();
            for (Path m : modules.sorted().toList()) {
                Path src = m.resolve("src/main/java");
                if (Files.isDirectory(src)) {
                    try (Stream<Path> files = Files.walk(src)) {
                        files.filter(f -> f.toString().endsWith(".java")).forEach(out::add);
                    }
                }
            }
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String read(Path f) {
        try {
            return Files.readString(f);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Source text without comments and string literals, so a Javadoc link is no dependency. */
    private static String code(String s) {
        return s.replaceAll("(?s)/\\*.*?\\*/", " ").replaceAll("//[^\n]*", " ").replaceAll("\"(?:\\\\.|[^\"\\\\])*\"", "\"\"");
    }

    static Map<String, Set<String>> packageGraph(List<Path> sources) {
        Map<String, Set<String>> graph = new TreeMap<>();
        for (Path f : sources) {
            String text = code(read(f));
            Matcher pm = PACKAGE.matcher(text);
            if (!pm.find()) {
                continue;
            }
            String pkg = pm.group(1);
            Set<String> deps = graph.computeIfAbsent(pkg, k -> new TreeSet<>());
            for (Pattern p : List.of(IMPORT, QUALIFIED)) {
                Matcher m = p.matcher(text);
                while (m.find()) {
                    if (!m.group(1).equals(pkg)) {
                        deps.add(m.group(1));
                    }
                }
            }
        }
        return graph;
    }

    /** A cycle through the graph as "a -> b -> a", or null. */
    static String findCycle(Map<String, Set<String>> graph) {
        Map<String, Integer> state = new TreeMap<>();
        for (String start : graph.keySet()) {
            List<String> path = new ArrayList<>();
            String c = visit(start, graph, state, path);
            if (c != null) {
                return c;
            }
        }
        return null;
    }

    private static String visit(String v, Map<String, Set<String>> g, Map<String, Integer> state, List<String> path) {
        Integer s = state.get(v);
        if (s != null && s == 2) {
            return null;
        }
        if (s != null && s == 1) {
            return String.join(" -> ", path.subList(path.indexOf(v), path.size())) + " -> " + v;
        }
        state.put(v, 1);
        path.add(v);
        for (String w : g.getOrDefault(v, Set.of())) {
            String c = visit(w, g, state, path);
            if (c != null) {
                return c;
            }
        }
        path.remove(path.size() - 1);
        state.put(v, 2);
        return null;
    }

    @Test
    void packagesImportEachOtherInOneDirectionOnly() {
        Map<String, Set<String>> graph = packageGraph(mainSources());
        assertTrue(graph.containsKey("dev.isthmus.tensor") && graph.containsKey("dev.isthmus.nn"), "sources found: " + graph.keySet());
        assertEquals(null, findCycle(graph), "an import cycle between packages");
    }

    @Test
    void theCycleFinderFindsACycle() {
        Map<String, Set<String>> g = new TreeMap<>(Map.of("a", Set.of("b"), "b", Set.of("c"), "c", Set.of("a")));
        assertEquals("a -> b -> c -> a", findCycle(g));
        assertEquals(null, findCycle(Map.of("a", Set.of("b"), "b", Set.of())));
    }

    @Test
    void noHandWrittenClassIsLongerThan400Lines() {
        List<String> tooLong = new ArrayList<>();
        for (Path f : mainSources()) {
            String text = read(f);
            boolean generated = f.toString().contains("/bindings/src/main/java/") || text.contains("@javax.annotation.Generated")
                    || text.contains("Generated by the protocol buffer compiler");
            long lines = text.lines().count();
            if (!generated && lines > MAX_LINES) {
                tooLong.add(root().relativize(f) + " (" + lines + ")");
            }
        }
        assertEquals(List.of(), tooLong, "main-source files over " + MAX_LINES + " lines");
    }
}
