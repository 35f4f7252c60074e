package dev.isthmus.bench.suite;

import java.io.IOException;
import java.io.InputStream;
import java.net.JarURLConnection;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.List;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.stream.Stream;

/**
 * The reference results shipped with Isthmus ({@code bench/results/machines/*.json}, packaged on the class path
 * under {@code dev/isthmus/bench/suite/machines/}), so a run can say at once how this machine compares.
 */
public final class References {
    static final String DIR = "dev/isthmus/bench/suite/machines/";

    /** A shipped result and its file name. */
    public record Reference(String file, SuiteResult result) {
    }

    private References() {
    }

    /** Every shipped reference, in file-name order (none if the class path holds none). */
    public static List<Reference> all() {
        List<String> names = new ArrayList<>();
        try {
            URL dir = References.class.getClassLoader().getResource(DIR);
            if (dir == null) {
                return List.of();
            }
            if (dir.getProtocol().equals("file")) {
                try (Stream<Path> files = Files.list(Path.of(dir.toURI()))) {
                    files.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".json")).forEach(names::add);
                }
            } else if (dir.openConnection() instanceof JarURLConnection jar) {
                jar.setUseCaches(false); // a JarFile of our own, so closing it leaves the shared cached one alone
                try (JarFile f = jar.getJarFile()) {
                    for (Enumeration<JarEntry> e = f.entries(); e.hasMoreElements(); ) {
                        String n = e.nextElement().getName();
                        if (n.startsWith(DIR) && n.endsWith(".json")) {
                            names.add(n.substring(DIR.length()));
                        }
                    }
                }
            }
            names.sort(null);
            List<Reference> out = new ArrayList<>();
            for (String n : names) {
                try (InputStream in = References.class.getClassLoader().getResourceAsStream(DIR + n)) {
                    if (in != null) {
                        out.add(new Reference(n, ResultsIo.fromJson(new String(in.readAllBytes(), StandardCharsets.UTF_8), n)));
                    }
                }
            }
            return out;
        } catch (IOException | URISyntaxException e) {
            throw new IllegalStateException("References: cannot list the shipped results: " + e.getMessage(), e);
        }
    }

    /** The shipped references measured in {@code mode} ({@code quick} or {@code full}). */
    public static List<Reference> ofMode(String mode) {
        return all().stream().filter(r -> r.result().settings().mode().equals(mode)).toList();
    }
}
