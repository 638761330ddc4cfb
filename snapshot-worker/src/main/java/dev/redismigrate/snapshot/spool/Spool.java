package dev.redismigrate.snapshot.spool;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The RDB on local disk between the replication link, which writes it at network speed, and the
 * snapshot applier, which reads it at the target's pace while it is still being written
 * ({@link #reader}). Bounded by a disk budget: a source larger than that ends the copy with the
 * reason, rather than filling the disk. Deleted on {@link #close}.
 */
public final class Spool implements AutoCloseable {
    /** how often (bytes written) the disk's free space is checked, and the least it must have */
    private static final long DISK_CHECK_EVERY = 16L << 20;
    private final Path file;
    private final long budgetBytes;
    private final OutputStream out;
    /**
     * what is written and not yet in the file: this class's own buffer, as the link hands over what
     * each socket read brought (often a few KiB) and a BufferedOutputStream takes a lock for each
     */
    private final byte[] buffer = new byte[1 << 16];
    private int buffered;
    private final Object lock = new Object();
    /** bytes readers may read (written through to the file) */
    private long readable;
    private long written;
    private boolean finished;
    private String failure;

    public Spool(Path directory, long budgetBytes) {
        try {
            Files.createDirectories(directory);
            this.file = Files.createTempFile(directory, "rdb-", ".spool");
            this.out = Files.newOutputStream(file);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create a spool file in " + directory + ": " + e.getMessage(), e);
        }
        this.budgetBytes = budgetBytes;
    }

    /** Appends; raises when the budget would be passed (the writer then fails the spool). */
    public void write(byte[] bytes, int offset, int length) throws IOException {
        if (written + length > budgetBytes) {
            throw new SpoolFullException("the RDB is larger than the spool's disk budget of " + budgetBytes + " bytes"
                    + " (redis-migrate.snapshot.spool-budget)");
        }
        if (written / DISK_CHECK_EVERY != (written + length) / DISK_CHECK_EVERY
                && Files.getFileStore(file).getUsableSpace() < DISK_CHECK_EVERY) {
            throw new SpoolFullException("the disk of the spool directory " + file.getParent() + " is full"
                    + " (redis-migrate.snapshot.spool-directory)");
        }
        if (length > buffer.length - buffered) {
            drain();
        }
        if (length >= buffer.length) {
            out.write(bytes, offset, length);
        } else {
            System.arraycopy(bytes, offset, buffer, buffered, length);
            buffered += length;
        }
        written += length;
        if (written - readable >= (1 << 16)) {
            publish();
        }
    }

    /** Makes everything written so far readable (also called when the source pauses). */
    public void publish() throws IOException {
        drain();
        out.flush();
        synchronized (lock) {
            readable = written;
            lock.notifyAll();
        }
    }

    private void drain() throws IOException {
        if (buffered > 0) {
            out.write(buffer, 0, buffered);
            buffered = 0;
        }
    }

    /** The whole RDB is written: readers end where the file ends. */
    public void finish() throws IOException {
        publish();
        synchronized (lock) {
            finished = true;
            lock.notifyAll();
        }
    }

    /** The RDB will not be complete: readers waiting for more raise {@code reason}. */
    public void fail(String reason) {
        synchronized (lock) {
            if (!finished && failure == null) {
                failure = reason;
            }
            lock.notifyAll();
        }
    }

    public long bytesWritten() {
        return written;
    }

    /** Reads from the start, waiting at the current end until more is written or the spool is finished. */
    public InputStream reader() throws IOException {
        return new TailingInputStream(Files.newInputStream(file));
    }

    /** The spool's file, for a reader that copies from it itself, going by {@link #awaitReadable}. */
    public Path file() {
        return file;
    }

    /**
     * Waits until bytes past {@code position} are readable in the file, or the spool is finished.
     * @return how many are readable past it (0: the finished spool's end)
     * @throws IOException why the spool will not be complete
     */
    public long awaitReadable(long position) throws IOException {
        long n;
        while ((n = awaitReadable(position, 1000)) < 0) {
            // not yet
        }
        return n;
    }

    /**
     * {@link #awaitReadable(long)} for at most {@code millis}.
     * @return how many bytes are readable past {@code position} (0: the finished spool's end; -1: none yet)
     */
    public long awaitReadable(long position, long millis) throws IOException {
        long until = System.nanoTime() + millis * 1_000_000L;
        synchronized (lock) {
            while (readable <= position && !finished) {
                if (failure != null) {
                    throw new IncompleteException(failure);
                }
                long left = (until - System.nanoTime()) / 1_000_000L;
                if (left <= 0) {
                    return -1;
                }
                try {
                    lock.wait(left);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IncompleteException("interrupted while waiting for the RDB");
                }
            }
            return readable - position;
        }
    }

    @Override
    public void close() {
        fail("the spool was closed");
        try {
            out.close();
        } catch (IOException e) {
            // deleted next anyway
        }
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete the spool file " + file, e);
        }
    }

    /** What a reader meets where the spool ends early (the link broke, the disk filled): not the RDB's fault. */
    public static final class IncompleteException extends IOException {
        IncompleteException(String message) {
            super(message);
        }
    }

    /** The disk budget is spent: copying again would not help. */
    public static final class SpoolFullException extends IOException {
        SpoolFullException(String message) {
            super(message);
        }
    }

    private final class TailingInputStream extends InputStream {
        private final InputStream in;
        private long position;

        TailingInputStream(InputStream in) {
            this.in = in;
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (len == 0) {
                return 0;
            }
            long available = awaitReadable(position);
            if (available <= 0) {
                return -1;
            }
            int n;
            try {
                n = in.read(b, off, (int) Math.min(len, available));
            } catch (IOException e) {
                // the file, not the RDB: a new snapshot may do better
                throw new IncompleteException("reading the spool's file failed: " + e.getMessage());
            }
            if (n > 0) {
                position += n;
            }
            return n;
        }

        @Override
        public void close() throws IOException {
            in.close();
        }
    }
}
