package dev.redismigrate.worker.changelog;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The binary form of a change-log record: a version byte, the replication id, then each command as
 * its end offset, db, argument count and length-prefixed arguments (varints), then the offset the record
 * starts at plus one (0: unknown; after the commands, where a decoder of before 12-07 stops reading, so
 * records stay readable both ways during an upgrade). Binary rather than
 * JSON: the capture must keep up with 150k+ writes/s on one thread, and arguments are raw bytes.
 */
public final class ChangeLogCodec {
    private static final byte VERSION = 1;

    private ChangeLogCodec() {
    }

    public static byte[] encode(ChangeBatch batch) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(256);
        out.write(VERSION);
        byte[] replId = batch.replId().getBytes(StandardCharsets.US_ASCII);
        writeVarLong(out, replId.length);
        out.writeBytes(replId);
        writeVarLong(out, batch.commands().size());
        long previous = 0;
        for (CapturedCommand command : batch.commands()) {
            writeVarLong(out, command.endOffset() - previous); // offsets only grow: small deltas
            previous = command.endOffset();
            writeVarLong(out, command.db() + 1L); // -1: no db selected yet
            writeVarLong(out, command.argv().length);
            for (byte[] arg : command.argv()) {
                writeVarLong(out, arg.length);
                out.writeBytes(arg);
            }
        }
        writeVarLong(out, Math.max(-1, batch.start()) + 1);
        return out.toByteArray();
    }

    public static ChangeBatch decode(byte[] record) {
        ByteBuffer in = ByteBuffer.wrap(record);
        if (in.get() != VERSION) {
            throw new IllegalArgumentException("a change-log record of an unknown version " + record[0]);
        }
        byte[] replId = new byte[(int) readVarLong(in)];
        in.get(replId);
        int count = (int) readVarLong(in);
        List<CapturedCommand> commands = new ArrayList<>(count);
        long offset = 0;
        for (int i = 0; i < count; i++) {
            offset += readVarLong(in);
            int db = (int) readVarLong(in) - 1;
            byte[][] argv = new byte[(int) readVarLong(in)][];
            for (int a = 0; a < argv.length; a++) {
                argv[a] = new byte[(int) readVarLong(in)];
                in.get(argv[a]);
            }
            commands.add(new CapturedCommand(db, argv, offset));
        }
        long start = in.hasRemaining() ? readVarLong(in) - 1 : -1;
        return new ChangeBatch(new String(replId, StandardCharsets.US_ASCII), commands, start);
    }

    private static void writeVarLong(ByteArrayOutputStream out, long value) {
        if (value < 0) {
            throw new IllegalArgumentException("negative " + value);
        }
        while ((value & ~0x7FL) != 0) {
            out.write((int) ((value & 0x7F) | 0x80));
            value >>>= 7;
        }
        out.write((int) value);
    }

    private static long readVarLong(ByteBuffer in) {
        long value = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            byte b = in.get();
            value |= (long) (b & 0x7F) << shift;
            if ((b & 0x80) == 0) {
                return value;
            }
        }
        throw new IllegalArgumentException("a malformed varint in a change-log record");
    }
}
