import java.io.IOException;

/**
 * Runs kafka.Kafka and stops it when the process that started it goes away, however it went (exit, crash,
 * SIGKILL): that parent holds our stdin open, and the kernel closes it when the parent dies. A local broker
 * started for tests can therefore never outlive them.
 */
public final class ParentWatch {
  private static final long HALT_AFTER_MS = 10_000;

  public static void main(String[] args) throws Exception {
    Thread watch = new Thread(ParentWatch::waitForParentExit, "relstream-parent-watch");
    watch.setDaemon(true);
    watch.start();
    kafka.Kafka.main(args);
  }

  private static void waitForParentExit() {
    try {
      while (System.in.read() != -1) {
        // Input is ignored; only end-of-file matters.
      }
    } catch (IOException ignored) {
      // A broken pipe means the same thing as end-of-file.
    }
    System.err.println("relstream: parent process exited, stopping the local Kafka broker");
    Thread halt = new Thread(() -> {
      try {
        Thread.sleep(HALT_AFTER_MS);
      } catch (InterruptedException ignored) {
        // Halting now is just as right.
      }
      Runtime.getRuntime().halt(1);
    }, "relstream-halt");
    halt.setDaemon(true);
    halt.start();
    // exit runs Kafka's shutdown hook, a clean stop; the halt above bounds it if that hangs.
    System.exit(0);
  }
}
