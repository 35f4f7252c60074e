package dev.isthmus.spark;

import org.apache.spark.sql.SparkSession;

/**
 * A Spark session for one machine that binds to loopback only (driver, block manager and shuffle on
 * 127.0.0.1, no web UI): what the tests, the example and the benchmark run on. Use {@code local[N,F]} to let
 * a failed task be retried up to F times (plain {@code local[N]} never retries).
 */
public final class LocalSpark {
    private LocalSpark() {
    }

    public static SparkSession session(String master, String appName) {
        if (!master.startsWith("local")) {
            throw new IllegalArgumentException("LocalSpark runs local masters only (local[N] or local[N,F]), got " + master);
        }
        return SparkSession.builder()
                .master(master)
                .appName(appName)
                .config("spark.driver.bindAddress", "127.0.0.1")
                .config("spark.driver.host", "127.0.0.1")
                .config("spark.ui.enabled", "false")
                .config("spark.sql.shuffle.partitions", "4")
                .config("spark.driver.memory", "2g")
                .getOrCreate();
    }
}
