using ScanGate.Cli.Api;
using Spectre.Console;

namespace ScanGate.Cli.Output;

/// <summary>For CI logs: one timestamped line per change that matters (a scanner's phase or a step of ten percent,
/// a status, findings counted, the end), never a redraw.</summary>
public sealed class PlainProgress(TextWriter output, string scanId) : IScanProgress
{
    private readonly Dictionary<string, (string Phase, int Bucket)> _shown = [];

    private void Line(string text) => output.WriteLine($"{DateTimeOffset.UtcNow:yyyy-MM-ddTHH:mm:ssZ} {text}");

    public void Snapshot(Scan scan)
    {
        Line($"{scan.Id} {scan.ScanType} {scan.Target}: {scan.Status}");
        foreach (var s in scan.Scanners) Scanner(s.Name, s.Phase, s.Percent, s.Status);
    }

    public void Event(ScanEvent e)
    {
        switch (e.Type)
        {
            case "status":
                Line($"{scanId}: {e.Status}{(e.Message is { Length: > 0 } m ? $" ({m})" : "")}");
                break;
            case "progress" when e.Scanner is not null:
                Scanner(e.Scanner, e.Phase ?? "running", e.Percent, e.RunStatus);
                break;
            case "findings" when e.Counts is { } c:
                Line($"{e.Scanner ?? scanId}: findings {Format.Counts(c)}");
                break;
            case "finished":
                Line($"{scanId}: finished, {e.Status}, gate {(e.GatePassed switch { true => "passed", false => "failed", null => "not judged" })}");
                break;
        }
    }

    private void Scanner(string name, string phase, int? percent, string? status)
    {
        var bucket = percent is { } p ? p / 10 : -1;
        if (_shown.TryGetValue(name, out var last) && last.Phase == phase && last.Bucket == bucket) return;
        _shown[name] = (phase, bucket);
        Line($"{name}: {phase}{(percent is { } pc ? $" {pc}%" : "")}{(status is { Length: > 0 } s && s != phase ? $" [{s}]" : "")}");
    }

    public void Reconnecting(string? lastEventId, string reason) =>
        Line($"{scanId}: event stream lost ({reason}); reconnecting after event {lastEventId ?? "(none)"}");
}

/// <summary>For a person at a terminal: one live progress bar per scanner (Spectre.Console).</summary>
public sealed class LiveProgress(ProgressContext context) : IScanProgress
{
    private readonly Dictionary<string, ProgressTask> _bars = [];

    private ProgressTask Bar(string scanner)
    {
        if (!_bars.TryGetValue(scanner, out var bar))
        {
            bar = context.AddTask(Markup.Escape(scanner), maxValue: 100);
            bar.IsIndeterminate = true;
            _bars[scanner] = bar;
        }
        return bar;
    }

    public void Snapshot(Scan scan)
    {
        foreach (var s in scan.Scanners) Update(s.Name, s.Phase, s.Percent, s.Status);
    }

    public void Event(ScanEvent e)
    {
        if (e.Type == "progress" && e.Scanner is not null) Update(e.Scanner, e.Phase ?? "running", e.Percent, e.RunStatus);
        if (e.Type == "finished")
            foreach (var bar in _bars.Values) { bar.IsIndeterminate = false; bar.Value = bar.MaxValue; bar.StopTask(); }
    }

    private void Update(string scanner, string phase, int? percent, string? status)
    {
        var bar = Bar(scanner);
        bar.Description = $"{Markup.Escape(scanner)} [grey]{Markup.Escape(phase)}[/]";
        if (percent is { } p) { bar.IsIndeterminate = false; bar.Value = p; }
        if (phase == "done" || status is "completed" or "failed" or "stopped" or "cancelled")
        {
            bar.IsIndeterminate = false;
            bar.Value = bar.MaxValue;
            bar.Description = $"{Markup.Escape(scanner)} [{(status == "completed" || status is null ? "green" : "red")}]{Markup.Escape(status ?? "done")}[/]";
            bar.StopTask();
        }
    }

    public void Reconnecting(string? lastEventId, string reason) { }
}
