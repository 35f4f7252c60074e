package dev.isthmus.spark;

import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

class SmokeTest {
    @Test
    void starts() {
        SparkSession s = SparkSession.builder().master("local[2]").appName("smoke")
                .config("spark.driver.bindAddress", "127.0.0.1").config("spark.driver.host", "127.0.0.1")
                .config("spark.ui.enabled", "false").getOrCreate();
        assertEquals(10, s.range(10).count());
        s.stop();
    }
}
