using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using ScanGate.Api.Auth;
using ScanGate.Contracts;

namespace ScanGate.Api.Compat.Pepper;

/// <summary>
/// <c>GET /api/dashboard/trends?days=N</c>: for the caller's organisation, one entry per day (UTC) of the last N days
/// with the scans started that day (how they ended and how their gates judged) and their findings by severity, read
/// from the scan index; and the mean time to resolve per severity over the same window, from the triage data.
/// </summary>
public static class PepperDashboard
{
    public const int MaxDays = 365;
    /// <summary>The most scans one trend reads; more make it <c>truncated</c>.</summary>
    public const int MaxScans = 20_000;

    public static RouteGroupBuilder MapPepperDashboard(this RouteGroupBuilder api)
    {
        api.MapGet("/dashboard/trends", Trends).RequireScope(Scopes.ScansRead);
        return api;
    }

    private sealed class Day
    {
        public int Scans, Completed, Failed, Passed, GateFailed, Critical, High, Medium, Low, Info;
    }

    private static async Task<IResult> Trends(HttpContext http, IGrainFactory grains, Clock clock, string? days)
    {
        var n = 30;
        if (days is not null && (!int.TryParse(days, out n) || n < 1 || n > MaxDays))
            return PepperEndpoints.BadRequest("days", $"days must be a whole number from 1 to {MaxDays}");
        var today = DateOnly.FromDateTime(clock.UtcNow.UtcDateTime);
        var firstDay = today.AddDays(1 - n);
        var from = new DateTimeOffset(firstDay.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);
        var series = Enumerable.Range(0, n).ToDictionary(i => firstDay.AddDays(i), _ => new Day());

        var orgScope = http.Caller().OrgScope();
        string? cursor = null;
        var read = 0;
        do
        {
            var page = await grains.GetGrain<IScanDirectoryGrain>(0).List(new ScanListQuery { OrgId = orgScope, Since = from, Cursor = cursor, Limit = 200 });
            foreach (var s in page.Items)
            {
                if (!series.TryGetValue(DateOnly.FromDateTime(s.CreatedAt.UtcDateTime), out var day)) continue;
                day.Scans++;
                if (s.Status == ScanStatus.Completed) day.Completed++;
                if (s.Status == ScanStatus.Failed) day.Failed++;
                if (s.GatePassed == true) day.Passed++;
                if (s.GatePassed == false) day.GateFailed++;
                day.Critical += s.Counts.Critical; day.High += s.Counts.High; day.Medium += s.Counts.Medium;
                day.Low += s.Counts.Low; day.Info += s.Counts.Info;
            }
            read += page.Items.Count;
            cursor = page.NextCursor;
        } while (cursor is not null && read < MaxScans);

        var resolution = await grains.GetGrain<IFindingTriageGrain>(0).ResolutionTimes(orgScope, from);
        return PepperEndpoints.Ok(new
        {
            days = n, from, to = clock.UtcNow,
            // The documented series: the severities flat, beside scans and gateFailed; more counts follow them.
            series = series.OrderBy(d => d.Key).Select(d => new
            {
                date = d.Key.ToString("yyyy-MM-dd"), critical = d.Value.Critical, high = d.Value.High, medium = d.Value.Medium, low = d.Value.Low,
                scans = d.Value.Scans, gateFailed = d.Value.GateFailed,
                info = d.Value.Info, completed = d.Value.Completed, failed = d.Value.Failed, gatePassed = d.Value.Passed,
            }),
            // Keyed by the upper-case severity, each {count, meanHours}: count is the findings resolved in the window.
            mttr = resolution.BySeverity.ToDictionary(r => PepperEndpoints.Upper(r.Severity), r => new { count = r.Resolved, meanHours = r.MeanHours }),
            truncated = cursor is not null || resolution.Truncated,
        });
    }
}
