package dev.isthmus.cli;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32;
import java.util.zip.DeflaterOutputStream;

/** Writes PNG files chunk by chunk, so tests can make valid ones of any size cheaply and cut or corrupt them exactly. */
final class TestPngs {
    private TestPngs() {
    }

    /** A gray 8-bit (colour type 0) or RGBA 8-bit (6) image whose pixel bytes are {@code (x + y) & 0xFF}. */
    static byte[] image(int width, int height, int colorType) throws IOException {
        int channels = colorType == 6 ? 4 : 1;
        ByteArrayOutputStream idat = new ByteArrayOutputStream();
        try (OutputStream z = new DeflaterOutputStream(idat)) {
            byte[] row = new byte[1 + width * channels];
            for (int y = 0; y < height; y++) {
                for (int i = 1; i < row.length; i++) {
                    row[i] = (byte) ((i / channels + y) & 0xFF);
                }
                z.write(row);
            }
        }
        ByteBuffer ihdr = ByteBuffer.allocate(13).putInt(width).putInt(height);
        ihdr.put((byte) 8).put((byte) colorType).put((byte) 0).put((byte) 0).put((byte) 0);
        ByteArrayOutputStream png = new ByteArrayOutputStream();
        png.write(PngCheck.SIGNATURE);
        chunk(png, "IHDR", ihdr.array());
        chunk(png, "IDAT", idat.toByteArray());
        chunk(png, "IEND", new byte[0]);
        return png.toByteArray();
    }

    static void chunk(ByteArrayOutputStream out, String type, byte[] data) throws IOException {
        byte[] t = type.getBytes(StandardCharsets.US_ASCII);
        out.write(ByteBuffer.allocate(4).putInt(data.length).array());
        out.write(t);
        out.write(data);
        CRC32 crc = new CRC32();
        crc.update(t);
        crc.update(data);
        out.write(ByteBuffer.allocate(4).putInt((int) crc.getValue()).array());
    }
}
