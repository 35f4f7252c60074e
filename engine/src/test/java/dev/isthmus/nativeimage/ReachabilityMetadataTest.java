package dev.isthmus.nativeimage;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.isthmus.bindings.cblas.cblas_h;
import dev.isthmus.kernel.OpenBlasGemm;
import dev.isthmus.natives.OpenBlas;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.AddressLayout;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.ValueLayout;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.jar.JarFile;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * A native image can only make the FFM downcalls whose shapes (descriptor and linker options) its
 * {@code reachability-metadata.json} lists. This test finds every {@link FunctionDescriptor} that
 * bindings/, native/ and engine/ declare (static descriptor constants and jextract's {@code $descriptor()}
 * methods, by reflection over the compiled classes), and every {@code downcallHandle(...)} call in their
 * sources with the options it passes (options are not visible on a {@code MethodHandle}, so the sources are
 * read), and fails if a shape a module links is missing from that module's metadata. It also checks that
 * the resources the metadata names (the bundled OpenBLAS) exist on the class path.
 */
class ReachabilityMetadataTest {

    private static final String[] MODULES = {"bindings", "native", "engine"};
    private static final Pattern DOWNCALL = Pattern.compile(
            "downcallHandle\\(\\s*[^;]*?,\\s*([\\w.$]+(?:\\(\\))?)\\s*(,\\s*Linker\\.Option\\.critical\\((true|false)\\))?\\s*\\)\\s*;",
            Pattern.DOTALL);
    private static final Pattern CLASS_DECL = Pattern.compile("\\bclass\\s+(\\w+)");

    @BeforeAll
    static void loadOpenBlas() {
        // jextract's descriptor holders resolve their symbol when initialised: OpenBLAS must be loaded.
        assertTrue(OpenBlas.load().isPresent(), "OpenBLAS must load in tests; tried: " + OpenBlas.attempts());
    }

    /** GraalVM's name of a value layout in a downcall's signature. */
    static String typeName(MemoryLayout layout) {
        if (layout instanceof AddressLayout) {
            return "void*";
        }
        Class<?> carrier = ((ValueLayout) layout).carrier();
        return "j" + carrier.getName();
    }

    /** The shape of one downcall, as it appears in the metadata: return type, parameter types, critical option. */
    record Shape(String returnType, List<String> parameterTypes, Boolean criticalHeapAccess) {
        static Shape of(FunctionDescriptor d, Boolean critical) {
            String ret = d.returnLayout().map(ReachabilityMetadataTest::typeName).orElse("void");
            return new Shape(ret, d.argumentLayouts().stream().map(ReachabilityMetadataTest::typeName).toList(), critical);
        }

        static Shape of(JsonNode n) {
            List<String> params = new ArrayList<>();
            n.get("parameterTypes").forEach(p -> params.add(p.asText()));
            JsonNode critical = n.path("options").path("critical");
            Boolean heap = critical.isMissingNode() ? null
                    : critical.isBoolean() ? (critical.asBoolean() ? Boolean.FALSE : null)
                    : critical.path("allowHeapAccess").asBoolean(false);
            return new Shape(n.get("returnType").asText(), params, heap);
        }

        @Override
        public String toString() {
            return returnType + "(" + String.join(", ", parameterTypes) + ")"
                    + (criticalHeapAccess == null ? "" : " critical(allowHeapAccess=" + criticalHeapAccess + ")");
        }
    }

    @Test
    void everyDowncallShapeOfEveryModuleIsInItsMetadata() throws Exception {
        int linked = 0;
        for (String module : MODULES) {
            Set<Shape> listed = metadataShapes(module);
            Map<String, FunctionDescriptor> descriptors = descriptors(module);
            List<String> missing = new ArrayList<>();
            for (Downcall call : downcalls(module)) {
                FunctionDescriptor d = resolve(call, descriptors);
                Shape shape = Shape.of(d, call.critical());
                linked++;
                if (!listed.contains(shape)) {
                    missing.add(call.where() + " links " + shape);
                }
            }
            assertTrue(missing.isEmpty(), "missing from META-INF/native-image/dev.isthmus/isthmus-" + module
                    + "/reachability-metadata.json:\n  " + String.join("\n  ", missing));
        }
        // bindings: 9 functions; native: setenv, getenv; engine: plain sgemm and the offset form, plain and critical
        assertEquals(9 + 2 + 3, linked, "downcallHandle calls found in the sources");
    }

    @Test
    void everyBindingsDescriptorIsReachedFromADowncall() throws Exception {
        Map<String, FunctionDescriptor> descriptors = descriptors("bindings");
        Set<String> generated = new TreeSet<>();
        for (Method m : cblas_h.class.getDeclaredMethods()) {
            if (m.getName().endsWith("$descriptor") && m.getReturnType() == FunctionDescriptor.class) {
                generated.add(m.getName().substring(0, m.getName().length() - "$descriptor".length()));
            }
        }
        assertEquals(Set.of("cblas_sgemm", "cblas_sgemv", "cblas_saxpy", "cblas_sdot", "cblas_sscal",
                "openblas_set_num_threads", "openblas_get_num_threads", "openblas_get_config", "openblas_get_corename"), generated);
        Set<Shape> listed = metadataShapes("bindings");
        Set<String> critical = new TreeSet<>();
        for (Downcall call : downcalls("bindings")) {
            if (call.critical() != null) {
                critical.add(call.enclosingClass());
            }
        }
        for (String fn : generated) {
            FunctionDescriptor d = (FunctionDescriptor) cblas_h.class.getMethod(fn + "$descriptor").invoke(null);
            assertEquals(d, descriptors.get("cblas_h$" + fn + ".DESC"), fn);
            Shape shape = Shape.of(d, critical.contains(fn) ? Boolean.FALSE : null);
            assertTrue(listed.contains(shape), fn + ": " + shape + " is not in the bindings' metadata");
        }
        // The critical set is exactly the one native/jextract/regenerate.sh post-edits.
        String script = Files.readString(repoRoot().resolve("native/jextract/regenerate.sh"));
        Matcher m = Pattern.compile("for fn in ([\\w ]+); do").matcher(script);
        assertTrue(m.find(), "regenerate.sh names the critical functions");
        assertEquals(new TreeSet<>(List.of(m.group(1).trim().split("\\s+"))), critical);
    }

    @Test
    void theEngineLinksSgemmWithAndWithoutTheCriticalOption() throws Exception {
        // The metadata must hold both forms: a shape registered only as critical cannot be linked plainly.
        Set<Shape> engine = metadataShapes("engine");
        FunctionDescriptor sgemm = cblas_h.cblas_sgemm$descriptor();
        assertTrue(engine.contains(Shape.of(sgemm, null)));
        assertTrue(metadataShapes("bindings").contains(Shape.of(sgemm, Boolean.FALSE)));
        assertNotNull(OpenBlasGemm.class); // the class whose downcalls the engine entries describe
    }

    @Test
    void theBundledOpenBlasResourcesExist() throws IOException {
        JsonNode root = metadata("native");
        List<String> found = new ArrayList<>();
        String platform = "org/bytedeco/openblas/" + ("aarch64".equals(System.getProperty("os.arch")) ? "linux-arm64" : "linux-x86_64") + "/";
        for (JsonNode r : root.get("resources")) {
            String glob = r.get("glob").asText();
            assertFalse(glob.contains("*"), "name resources exactly, so that no 24 MB JNI library is embedded: " + glob);
            if (glob.startsWith(platform) || glob.startsWith("META-INF/")) {
                assertNotNull(getClass().getClassLoader().getResource(glob), "resource named by the metadata: " + glob);
                found.add(glob);
            }
        }
        assertTrue(found.contains(platform + "libopenblas.so.0"), found.toString());
    }

    // --- what the modules declare ---

    record Downcall(String module, String file, String enclosingClass, String descriptorExpr, Boolean critical) {
        String where() {
            return file + " (" + descriptorExpr + ")";
        }
    }

    private static List<Downcall> downcalls(String module) throws IOException {
        Path src = repoRoot().resolve(module).resolve("src/main/java");
        List<Downcall> out = new ArrayList<>();
        try (Stream<Path> files = Files.walk(src)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".java")).sorted().toList()) {
                String text = Files.readString(f);
                Matcher m = DOWNCALL.matcher(text);
                while (m.find()) {
                    String enclosing = null;
                    Matcher c = CLASS_DECL.matcher(text.substring(0, m.start()));
                    while (c.find()) {
                        enclosing = c.group(1);
                    }
                    Boolean critical = m.group(3) == null ? null : Boolean.valueOf(m.group(3));
                    out.add(new Downcall(module, src.relativize(f).toString(), enclosing, m.group(1), critical));
                }
                int calls = text.split("\\.downcallHandle\\(", -1).length - 1;
                long matched = out.stream().filter(d -> d.file().equals(src.relativize(f).toString())).count();
                assertEquals(calls, matched, f + ": every downcallHandle(address, DESCRIPTOR_CONSTANT[, Linker.Option.critical(..)])"
                        + " must name its descriptor as a constant or a $descriptor() call, so this test can check it");
            }
        }
        return out;
    }

    /** Every static descriptor field of the module's classes, keyed "SimpleBinaryName.FIELD". */
    private static Map<String, FunctionDescriptor> descriptors(String module) throws Exception {
        Map<String, FunctionDescriptor> out = new LinkedHashMap<>();
        for (String name : classNames(anchor(module))) {
            Class<?> k = Class.forName(name, false, ReachabilityMetadataTest.class.getClassLoader());
            for (Field f : k.getDeclaredFields()) {
                if (Modifier.isStatic(f.getModifiers()) && f.getType() == FunctionDescriptor.class) {
                    f.setAccessible(true);
                    String simple = name.substring(name.lastIndexOf('.') + 1);
                    out.put(simple + "." + f.getName(), (FunctionDescriptor) f.get(null));
                }
            }
        }
        return out;
    }

    private static FunctionDescriptor resolve(Downcall call, Map<String, FunctionDescriptor> fields) throws Exception {
        String expr = call.descriptorExpr();
        if (expr.endsWith("$descriptor()")) {
            String method = expr.substring(expr.lastIndexOf('.') + 1, expr.length() - 2);
            return (FunctionDescriptor) cblas_h.class.getMethod(method).invoke(null);
        }
        String field = expr.substring(expr.lastIndexOf('.') + 1);
        for (Map.Entry<String, FunctionDescriptor> e : fields.entrySet()) {
            String key = e.getKey();
            String owner = key.substring(0, key.lastIndexOf('.'));
            if (key.endsWith("." + field) && (owner.equals(call.enclosingClass()) || owner.endsWith("$" + call.enclosingClass()))) {
                return e.getValue();
            }
        }
        fail(call.where() + ": no static FunctionDescriptor " + field + " in class " + call.enclosingClass());
        return null;
    }

    private static Class<?> anchor(String module) {
        return switch (module) {
            case "bindings" -> cblas_h.class;
            case "native" -> OpenBlas.class;
            case "engine" -> OpenBlasGemm.class;
            default -> throw new IllegalArgumentException(module);
        };
    }

    /** The classes in the directory or jar that holds {@code anchor}. */
    private static Set<String> classNames(Class<?> anchor) throws IOException, URISyntaxException {
        Path location = Path.of(anchor.getProtectionDomain().getCodeSource().getLocation().toURI());
        Set<String> names = new LinkedHashSet<>();
        if (Files.isDirectory(location)) {
            try (Stream<Path> walk = Files.walk(location)) {
                walk.filter(p -> p.toString().endsWith(".class") && !p.getFileName().toString().equals("module-info.class"))
                        .forEach(p -> names.add(className(location.relativize(p).toString())));
            }
        } else {
            try (JarFile jar = new JarFile(location.toFile())) {
                jar.stream().map(e -> e.getName())
                        .filter(n -> n.endsWith(".class") && !n.endsWith("module-info.class") && !n.startsWith("META-INF/"))
                        .forEach(n -> names.add(className(n)));
            }
        }
        return names;
    }

    private static String className(String path) {
        return path.substring(0, path.length() - ".class".length()).replace('/', '.').replace('\\', '.');
    }

    // --- what the metadata lists ---

    private static JsonNode metadata(String module) throws IOException {
        String resource = "META-INF/native-image/dev.isthmus/isthmus-" + module + "/reachability-metadata.json";
        try (InputStream in = ReachabilityMetadataTest.class.getClassLoader().getResourceAsStream(resource)) {
            assertNotNull(in, resource + " is on the class path");
            return new ObjectMapper().readTree(in);
        }
    }

    private static Set<Shape> metadataShapes(String module) throws IOException {
        Set<Shape> out = new LinkedHashSet<>();
        for (JsonNode d : metadata(module).path("foreign").path("downcalls")) {
            out.add(Shape.of(d));
        }
        return out;
    }

    private static Path repoRoot() {
        Path dir = Path.of("").toAbsolutePath();
        while (dir != null && !Files.isDirectory(dir.resolve("native/jextract"))) {
            dir = dir.getParent();
        }
        assertNotNull(dir, "run from inside the repository");
        return dir;
    }
}
