using Spectre.Console;

namespace ScanGate.Cli;

/// <summary>
/// Everything a command touches outside itself: its output streams, stdin, the environment, whether a person is
/// watching, and Ctrl-C. The process fills it from the real console; tests run the tool in-process with their own.
/// </summary>
public sealed class CliContext
{
    public required TextWriter Out { get; init; }
    public required TextWriter Error { get; init; }
    public required TextReader In { get; init; }
    /// <summary>Output goes to a terminal a person watches (live progress bars, prompts), not a CI log.</summary>
    public required bool IsTerminal { get; init; }
    public required Func<string, string?> Environment { get; init; }
    /// <summary>Cancelled on the first Ctrl-C.</summary>
    public CancellationToken Interrupt { get; init; }
    /// <summary>Reads a secret without echoing it; null when there is no terminal to read one from.</summary>
    public Func<string, string?>? ReadSecret { get; init; }

    private IAnsiConsole? _console;
    /// <summary>Spectre's console over <see cref="Out"/>: colours and live widgets on a terminal, plain text otherwise.</summary>
    public IAnsiConsole Console => _console ??= AnsiConsole.Create(new AnsiConsoleSettings
    {
        Out = new AnsiConsoleOutput(Out),
        Ansi = IsTerminal ? AnsiSupport.Detect : AnsiSupport.No,
        ColorSystem = IsTerminal ? ColorSystemSupport.Detect : ColorSystemSupport.NoColors,
        Interactive = IsTerminal ? InteractionSupport.Detect : InteractionSupport.No,
    });

    /// <summary>The process's own console; Ctrl-C is caught once (the command decides what it means) and a second
    /// one ends the process as usual.</summary>
    public static CliContext FromProcess()
    {
        var interrupt = new CancellationTokenSource();
        System.Console.CancelKeyPress += (_, e) =>
        {
            if (interrupt.IsCancellationRequested) return;
            e.Cancel = true;
            interrupt.Cancel();
        };
        var terminal = !System.Console.IsOutputRedirected && System.Environment.GetEnvironmentVariable("TERM") is not "dumb"
            && System.Environment.GetEnvironmentVariable("CI") is null;
        return new CliContext
        {
            Out = System.Console.Out, Error = System.Console.Error, In = System.Console.In,
            IsTerminal = terminal, Environment = System.Environment.GetEnvironmentVariable, Interrupt = interrupt.Token,
            ReadSecret = System.Console.IsInputRedirected ? null : prompt => AnsiConsole.Prompt(new TextPrompt<string>(prompt).Secret()),
        };
    }
}
