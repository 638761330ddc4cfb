package dev.redismigrate.system;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Runs one of the project's infra/ scripts, as an operator would, with settings in its environment. */
final class InfraScript {
    private InfraScript() {
    }

    static void run(String script, Map<String, String> env, String... args) {
        Path logs = ServiceProcess.ROOT.resolve("system-tests/target/infra-logs");
        try {
            Files.createDirectories(logs);
            Path log = logs.resolve(script.replace(".sh", "") + ".log");
            ProcessBuilder pb = new ProcessBuilder(concat("bash", ServiceProcess.ROOT.resolve("infra").resolve(script).toString(), args))
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
            pb.environment().putAll(env);
            Process p = pb.start();
            if (!p.waitFor(180, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IllegalStateException(script + " " + String.join(" ", args) + " did not end; see " + log);
            }
            if (p.exitValue() != 0) {
                throw new IllegalStateException(script + " " + String.join(" ", args) + " failed; see " + log);
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot run " + script, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static List<String> concat(String a, String b, String... rest) {
        List<String> all = new java.util.ArrayList<>(List.of(a, b));
        all.addAll(List.of(rest));
        return all;
    }
}
