package dev.isthmus.train;

import java.net.URL;
import java.net.URLClassLoader;

/**
 * A class loader that sees the engine's own classes but not the optional libraries (JFreeChart,
 * progressbar, jline), as in an application that did not add them.
 */
final class WithoutOptionalLibraries {
    private WithoutOptionalLibraries() {
    }

    static URLClassLoader loader() {
        URL engineClasses = Plots.class.getProtectionDomain().getCodeSource().getLocation();
        return new URLClassLoader(new URL[]{engineClasses}, ClassLoader.getPlatformClassLoader());
    }
}
