/** What Ctrl-C does: the first stops the run cleanly, a second exits at once. */
export interface InterruptHandlers {
  /** The first SIGINT or SIGTERM. */
  stop(): void;
  /** Any later one: the process must end now (the handler calls process.exit). */
  quit(): void;
}

const SIGNALS = ['SIGINT', 'SIGTERM'] as const;

/** Takes over SIGINT and SIGTERM for the run; returns the function that gives them back. */
export function handleInterrupts(handlers: InterruptHandlers): () => void {
  let seen = 0;
  const onSignal = () => {
    seen += 1;
    if (seen === 1) handlers.stop();
    else handlers.quit();
  };
  for (const signal of SIGNALS) process.on(signal, onSignal);
  return () => {
    for (const signal of SIGNALS) process.off(signal, onSignal);
  };
}
