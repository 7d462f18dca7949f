using System.Text.RegularExpressions;
using Cronos;

namespace ScanGate.Contracts;

/// <summary>A project's recurring scan: a cron expression read in a time zone, and the scan each run starts.</summary>
[GenerateSerializer, Alias("scangate.project-schedule.v1")]
public sealed record ProjectSchedule
{
    /// <summary>More schedules than this on one project are refused: each one is a stream of scans against the quota.</summary>
    public const int MaxPerProject = 20;

    /// <summary>"sch_" and a sortable id.</summary>
    [Id(0)] public required string Id { get; init; }
    [Id(1)] public required string Cron { get; init; }
    /// <summary>An IANA time zone id; the cron fields are wall-clock times there, daylight saving included.</summary>
    [Id(2)] public string TimeZone { get; init; } = "UTC";
    [Id(3)] public bool Enabled { get; init; } = true;
    /// <summary>The validated scan each run starts; its project is the schedule's.</summary>
    [Id(4)] public required ScanRequest Scan { get; init; }
    /// <summary>Whether the scan names its own gate threshold; otherwise each run takes the project's default of the day.</summary>
    [Id(5)] public bool FailOnSeverityChosen { get; init; }
    [Id(6)] public DateTimeOffset CreatedAt { get; init; }
    /// <summary>The member who made the schedule; its scans are triggered in their name.</summary>
    [Id(7)] public string? CreatedBy { get; init; }
    /// <summary>When the next scan starts; null while the schedule is disabled.</summary>
    [Id(8)] public DateTimeOffset? NextRunAt { get; init; }
    [Id(9)] public DateTimeOffset? LastRunAt { get; init; }
    [Id(10)] public string? LastScanId { get; init; }
    /// <summary>Why the last run started no scan (a spent quota, no container engine), or null.</summary>
    [Id(11)] public string? LastError { get; init; }

    public bool IsDue(DateTimeOffset now) => Enabled && NextRunAt is { } next && next <= now;

    /// <summary>The schedule after a run at <paramref name="now"/>. The next run is the first occurrence after
    /// now, not after the run that was due: occurrences missed while the cluster was down collapse into this one.</summary>
    public ProjectSchedule AfterRun(DateTimeOffset now, string? scanId, string? error) => this with
    {
        LastRunAt = now,
        LastScanId = scanId ?? LastScanId,
        LastError = error,
        NextRunAt = CronSchedule.Of(Cron, TimeZone).NextAfter(now),
    };
}

/// <summary>What PATCH may change on a schedule; null leaves a value as it is.</summary>
[GenerateSerializer, Alias("scangate.schedule-change.v1")]
public sealed record ScheduleChange
{
    [Id(0)] public bool? Enabled { get; init; }
    [Id(1)] public string? Cron { get; init; }
    [Id(2)] public string? TimeZone { get; init; }
}

/// <summary>Bound from "ScanGate:Schedules" (by the silo and by every API node).</summary>
public sealed class ScheduleOptions
{
    public const string Section = "ScanGate:Schedules";
    /// <summary>How often the durable reminder wakes a project that has enabled schedules. While the project is
    /// active a timer fires each run on time; the reminder is what brings it back after a restart, so this bounds
    /// how late a run can be then.</summary>
    public TimeSpan ReminderPeriod { get; set; } = TimeSpan.FromMinutes(1);
    /// <summary>A schedule whose runs come closer together than this is refused, so no target (a SaaS among them)
    /// is hammered.</summary>
    public TimeSpan MinimumInterval { get; set; } = TimeSpan.FromMinutes(5);
}

/// <summary>Why a schedule's timing was refused, and which field of the request is at fault.</summary>
public sealed record ScheduleRefusal(string Field, string Detail);

/// <summary>A cron expression (5 fields, 6 with seconds first, or a macro such as @daily) in a time zone.</summary>
public sealed partial class CronSchedule
{
    /// <summary>How far ahead the minimum interval is checked: the closest two runs of "0,1 * * * *" are a minute
    /// apart whatever the time, but the next two from now may not be.</summary>
    private const int OccurrencesChecked = 1000;
    private static readonly TimeSpan CheckedHorizon = TimeSpan.FromDays(366);

    private readonly CronExpression _expression;
    public TimeZoneInfo Zone { get; }

    private CronSchedule(CronExpression expression, TimeZoneInfo zone)
    {
        _expression = expression;
        Zone = zone;
    }

    /// <summary>The first occurrence strictly after <paramref name="instant"/>, or null when there is none.</summary>
    public DateTimeOffset? NextAfter(DateTimeOffset instant) => _expression.GetNextOccurrence(instant, Zone);

    /// <summary>A schedule already validated (a stored one): throws when it does not parse.</summary>
    public static CronSchedule Of(string cron, string timeZone) =>
        TryParse(cron, timeZone, out var schedule) is { } refusal ? throw new FormatException(refusal.Detail) : schedule!;

    /// <summary>Parses and checks a schedule's timing: a valid expression, a known IANA time zone, at least one run
    /// to come, and no two runs closer together than <paramref name="minimumInterval"/>. Null when it is acceptable.</summary>
    public static ScheduleRefusal? Refusal(string cron, string timeZone, TimeSpan minimumInterval, DateTimeOffset now)
    {
        if (TryParse(cron, timeZone, out var schedule) is { } refusal) return refusal;
        if (schedule!.NextAfter(now) is not { } first)
            return new ScheduleRefusal("cron", $"the cron expression '{cron}' never fires");
        var previous = first;
        foreach (var next in schedule._expression.GetOccurrences(first, first + CheckedHorizon, schedule.Zone, fromInclusive: false).Take(OccurrencesChecked))
        {
            if (next - previous < minimumInterval)
                return new ScheduleRefusal("cron", $"the cron expression '{cron}' runs {Describe(next - previous)} apart (at {previous:u} and {next:u}); " +
                    $"this deployment allows at most one run every {Describe(minimumInterval)}");
            previous = next;
        }
        return null;
    }

    private static ScheduleRefusal? TryParse(string cron, string timeZone, out CronSchedule? schedule)
    {
        schedule = null;
        var fields = cron.Split(' ', '\t').Count(f => f.Length > 0);
        var isMacro = cron.TrimStart().StartsWith('@');
        if (!isMacro && fields is not (5 or 6))
            return new ScheduleRefusal("cron", $"the cron expression '{cron}' has {fields} fields; use 5 (minute hour day-of-month month day-of-week), " +
                "6 with seconds first, or a macro such as @hourly, @daily, @weekly or @monthly");
        CronExpression expression;
        try { expression = CronExpression.Parse(cron, fields == 6 && !isMacro ? CronFormat.IncludeSeconds : CronFormat.Standard); }
        catch (CronFormatException ex) { return new ScheduleRefusal("cron", $"the cron expression '{cron}' is not valid: {ex.Message}"); }

        if (!ZoneId().IsMatch(timeZone))
            return new ScheduleRefusal("timezone", $"'{timeZone}' is not an IANA time zone id such as UTC or Europe/Berlin");
        TimeZoneInfo zone;
        try { zone = TimeZoneInfo.FindSystemTimeZoneById(timeZone); }
        catch (Exception ex) when (ex is TimeZoneNotFoundException or InvalidTimeZoneException)
        {
            return new ScheduleRefusal("timezone", $"unknown time zone '{timeZone}'; use an IANA time zone id such as UTC or Europe/Berlin");
        }
        if (!zone.HasIanaId)
            return new ScheduleRefusal("timezone", $"'{timeZone}' is not an IANA time zone id; use one such as UTC or Europe/Berlin");
        schedule = new CronSchedule(expression, zone);
        return null;
    }

    private static string Describe(TimeSpan span) =>
        span < TimeSpan.FromMinutes(1) ? Count(span.TotalSeconds, "second")
        : span < TimeSpan.FromHours(1) ? Count(span.TotalMinutes, "minute")
        : Count(span.TotalHours, "hour");

    private static string Count(double amount, string unit) => $"{amount:0.#} {unit}{(amount == 1 ? "" : "s")}";

    // Letters, digits and the few signs IANA ids use ("America/Argentina/Buenos_Aires", "Etc/GMT+1"); never a path.
    [GeneratedRegex(@"^[A-Za-z][A-Za-z0-9_+\-]{0,63}(/[A-Za-z0-9_+\-]{1,64}){0,2}$")]
    private static partial Regex ZoneId();
}
