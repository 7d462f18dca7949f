using System.CommandLine;
using System.CommandLine.Parsing;

namespace ScanGate.Cli.Commands;

/// <summary>Option shapes several commands share, with their parsing and validation (a bad value is a usage error, 3).</summary>
internal static class Options
{
    public static readonly string[] Severities = ["critical", "high", "medium", "low", "info"];

    public static Option<string?> FailOn() => new Option<string?>("--fail-on")
    {
        Description = "Fail the gate on a finding of this severity or worse: critical, high, medium, low, none",
    }.AcceptOnlyFromAmong("critical", "high", "medium", "low", "none");

    /// <summary>--max high=0,medium=5: at most that many findings of each severity.</summary>
    public static Option<Dictionary<string, int>?> Max() => new("--max")
    {
        Description = "Most findings allowed per severity, e.g. high=0,medium=5",
        CustomParser = result =>
        {
            var map = new Dictionary<string, int>();
            foreach (var token in result.Tokens)
            foreach (var pair in token.Value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                var parts = pair.Split('=', 2);
                if (parts.Length != 2 || !Severities.Contains(parts[0].ToLowerInvariant()) || !int.TryParse(parts[1], out var n) || n < 0)
                {
                    result.AddError($"--max takes severity=count pairs such as high=0,medium=5 (severities: {string.Join(", ", Severities)}); got '{pair}'");
                    return null;
                }
                map[parts[0].ToLowerInvariant()] = n;
            }
            return map;
        },
    };

    /// <summary>30m, 90s, 1h30m, or plain seconds.</summary>
    public static Option<TimeSpan> Timeout(string defaultText) => new("--timeout")
    {
        Description = $"How long to wait for the scan (e.g. 30m, 90s, 1h; plain numbers are seconds); default {defaultText}",
        DefaultValueFactory = _ => ParseDuration(defaultText)!.Value,
        CustomParser = result =>
        {
            var text = result.Tokens.Count > 0 ? result.Tokens[0].Value : defaultText;
            if (ParseDuration(text) is { } d) return d;
            result.AddError($"--timeout takes a duration such as 30m, 90s or 1h (got '{text}')");
            return default;
        },
    };

    public static TimeSpan? ParseDuration(string text)
    {
        if (int.TryParse(text, out var seconds)) return seconds > 0 ? TimeSpan.FromSeconds(seconds) : null;
        var total = TimeSpan.Zero;
        var number = 0L;
        var any = false;
        foreach (var ch in text.Trim().ToLowerInvariant())
        {
            if (char.IsAsciiDigit(ch)) { number = number * 10 + (ch - '0'); any = true; if (number > 1_000_000) return null; continue; }
            if (!any) return null;
            total += ch switch
            {
                'h' => TimeSpan.FromHours(number), 'm' => TimeSpan.FromMinutes(number), 's' => TimeSpan.FromSeconds(number),
                _ => TimeSpan.MinValue,
            };
            if (total < TimeSpan.Zero) return null;
            number = 0; any = false;
        }
        return any || total <= TimeSpan.Zero ? null : total;
    }

    public static Argument<string> ScanId() => new("scan-id") { Description = "The scan's id (scn_…)" };

    public static Option<string?> Output(string what) => new("--output", "-o") { Description = $"Write {what} to this file instead of stdout" };

    public static void Validate(Option<string?> option, Func<string, string?> check) =>
        option.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<string?>() is { } value && check(value) is { } error) result.AddError(error);
        });
}
