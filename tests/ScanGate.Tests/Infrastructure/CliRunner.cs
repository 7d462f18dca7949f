using System.Text;
using ScanGate.Cli;

namespace ScanGate.Tests.Infrastructure;

public sealed record CliResult(int Code, string Out, string Error)
{
    public override string ToString() => $"exit {Code}\n--- stdout ---\n{Out}\n--- stderr ---\n{Error}";
}

/// <summary>
/// Runs the scangate tool in this process through its real entry point (<see cref="Cli.RunAsync"/>), over real
/// HTTP, with captured output, an environment of the test's own (HOME included, so no real profile is read), no
/// terminal, and a Ctrl-C the test can press.
/// </summary>
public sealed class CliRunner
{
    private readonly Dictionary<string, string> _environment;

    public CliRunner(IReadOnlyDictionary<string, string>? environment = null)
    {
        Home = Directory.CreateTempSubdirectory("scangate-cli-home-").FullName;
        _environment = new Dictionary<string, string> { ["HOME"] = Home, ["SCANGATE_RETRY_DELAY_MS"] = "50" };
        foreach (var (k, v) in environment ?? new Dictionary<string, string>()) _environment[k] = v;
    }

    public string Home { get; }

    public CliRunner With(string name, string? value)
    {
        var copy = new Dictionary<string, string>(_environment);
        if (value is null) copy.Remove(name); else copy[name] = value;
        return new CliRunner(copy) { };
    }

    public Task<CliResult> RunAsync(params string[] args) => RunAsync(args, null, null);

    /// <summary>Runs the tool; <paramref name="onOutput"/> sees stdout as it grows and may press Ctrl-C.</summary>
    public async Task<CliResult> RunAsync(string[] args, string? stdin, Action<string, CancellationTokenSource>? onOutput)
    {
        var interrupt = new CancellationTokenSource();
        var output = new CapturingWriter(text => onOutput?.Invoke(text, interrupt));
        var error = new CapturingWriter(_ => { });
        var context = new CliContext
        {
            Out = output, Error = error, In = new StringReader(stdin ?? ""), IsTerminal = false,
            Environment = name => _environment.GetValueOrDefault(name), Interrupt = interrupt.Token,
        };
        var code = await global::ScanGate.Cli.Cli.RunAsync(args, context).WaitAsync(TimeSpan.FromMinutes(4));
        return new CliResult(code, output.Text, error.Text);
    }

    /// <summary>A thread-safe text capture that reports the whole text after every write.</summary>
    private sealed class CapturingWriter(Action<string> changed) : TextWriter
    {
        private readonly StringBuilder _text = new();
        public override Encoding Encoding => Encoding.UTF8;
        public string Text { get { lock (_text) return _text.ToString(); } }

        public override void Write(char value) => Append(value.ToString());
        public override void Write(string? value) => Append(value ?? "");
        public override void Write(char[] buffer, int index, int count) => Append(new string(buffer, index, count));
        public override Task WriteAsync(string? value) { Write(value); return Task.CompletedTask; }
        public override Task WriteLineAsync(string? value) { WriteLine(value); return Task.CompletedTask; }

        private void Append(string s)
        {
            string now;
            lock (_text) now = _text.Append(s).ToString();
            changed(now);
        }
    }
}
