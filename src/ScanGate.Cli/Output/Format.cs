using ScanGate.Cli.Api;
using Spectre.Console;

namespace ScanGate.Cli.Output;

public static class Format
{
    public static string Counts(SeverityCounts c) =>
        $"critical {c.Critical}, high {c.High}, medium {c.Medium}, low {c.Low}, info {c.Info}";

    public static readonly string[] Severities = ["critical", "high", "medium", "low", "info"];

    public static int Rank(string severity) => severity switch
    {
        "critical" => 4, "high" => 3, "medium" => 2, "low" => 1, "info" => 0, _ => -1,
    };

    /// <summary>The verdict table: one row per scanner, the totals, then the gate's decision and its reasons.</summary>
    public static void Verdict(IAnsiConsole console, Scan scan)
    {
        var table = new Table().Title($"{Markup.Escape(scan.Id)} ({Markup.Escape(scan.ScanType)} {Markup.Escape(scan.Target)})")
            .AddColumns("scanner", "status", "critical", "high", "medium", "low", "info");
        foreach (var s in scan.Scanners)
            table.AddRow(Markup.Escape(s.Name), Markup.Escape(s.Status + (s.Error is { Length: > 0 } e ? $": {e}" : "")),
                s.Counts.Critical.ToString(), s.Counts.High.ToString(), s.Counts.Medium.ToString(), s.Counts.Low.ToString(), s.Counts.Info.ToString());
        var c = scan.Counts;
        table.AddRow("[bold]total[/]", Markup.Escape(scan.Status), c.Critical.ToString(), c.High.ToString(), c.Medium.ToString(), c.Low.ToString(), c.Info.ToString());
        console.Write(table);
        var gate = scan.Gate;
        var verdict = scan.Status != "completed" ? $"[yellow]scan {Markup.Escape(scan.Status)}[/]"
            : scan.GatePassed == true ? "[green]gate PASSED[/]" : "[red]gate FAILED[/]";
        var extra = new List<string> { $"fail on {scan.FailOnSeverity}" };
        if (gate?.MaxCounts is { Count: > 0 } max) extra.Add("max " + string.Join(",", max.Select(m => $"{m.Key}={m.Value}")));
        if (gate?.NewOnly == true) extra.Add("new findings only");
        if (gate?.Score is { } score) extra.Add($"score {score}");
        if (gate?.Grade is { } grade) extra.Add($"grade {grade}");
        console.MarkupLine($"Verdict: {verdict} ({Markup.Escape(string.Join(", ", extra))})");
        foreach (var reason in gate?.Reasons ?? []) console.MarkupLine($"  - {Markup.Escape(reason)}");
    }
}
