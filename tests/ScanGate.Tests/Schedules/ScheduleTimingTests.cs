using ScanGate.Contracts;

namespace ScanGate.Tests.Schedules;

/// <summary>Next-occurrence computation and timing validation of project schedules, without a cluster.</summary>
public class ScheduleTimingTests
{
    private static readonly TimeSpan FiveMinutes = TimeSpan.FromMinutes(5);

    private static ProjectSchedule Hourly(DateTimeOffset nextRunAt) => new()
    {
        Id = "sch_TEST", Cron = "0 * * * *", TimeZone = "UTC", Enabled = true, NextRunAt = nextRunAt,
        Scan = new ScanRequest { ScanType = "security_headers", Target = "http://127.0.0.1/", Profile = "standard", Scanners = ["security_headers"] },
    };

    [Fact]
    public void Occurrences_missed_while_the_cluster_was_down_collapse_into_one_run()
    {
        // Due at 10:00; the cluster came back at 13:30, so 10:00, 11:00, 12:00 and 13:00 were all missed.
        var now = DateTimeOffset.Parse("2025-01-15T13:30:00Z");
        var schedule = Hourly(DateTimeOffset.Parse("2025-01-15T10:00:00Z"));

        var runs = 0;
        while (schedule.IsDue(now) && runs < 10)
        {
            runs++;
            schedule = schedule.AfterRun(now, $"scn_{runs}", null);
        }

        Assert.Equal(1, runs);
        Assert.Equal(DateTimeOffset.Parse("2025-01-15T14:00:00Z"), schedule.NextRunAt);
        Assert.Equal(now, schedule.LastRunAt);
        Assert.Equal("scn_1", schedule.LastScanId);
        Assert.True(schedule.IsDue(DateTimeOffset.Parse("2025-01-15T14:00:00Z")));
    }

    [Fact]
    public void A_run_that_started_no_scan_keeps_the_last_scan_and_says_why()
    {
        var now = DateTimeOffset.Parse("2025-01-15T10:00:05Z");
        var ran = Hourly(now.AddSeconds(-5)).AfterRun(now, "scn_A", null).AfterRun(now.AddHours(1), null, "the monthly quota is spent");
        Assert.Equal("scn_A", ran.LastScanId);
        Assert.Equal("the monthly quota is spent", ran.LastError);
        Assert.False((Hourly(now) with { Enabled = false }).IsDue(now.AddDays(1)));
    }

    [Theory]
    // 02:00 in Berlin is 01:00 UTC in winter (CET) and 00:00 UTC in summer (CEST).
    [InlineData("0 2 * * *", "Europe/Berlin", "2025-01-15T00:00:00Z", "2025-01-15T01:00:00Z")]
    [InlineData("0 2 * * *", "Europe/Berlin", "2025-07-14T12:00:00Z", "2025-07-15T00:00:00Z")]
    [InlineData("0 2 * * *", "UTC", "2025-07-14T12:00:00Z", "2025-07-15T02:00:00Z")]
    // On the day clocks go forward 02:00 does not exist in Berlin: the run is at the end of the gap, 03:00 CEST.
    [InlineData("0 2 * * *", "Europe/Berlin", "2025-03-29T12:00:00Z", "2025-03-30T01:00:00Z")]
    [InlineData("@weekly", "America/New_York", "2025-07-14T12:00:00Z", "2025-07-20T04:00:00Z")]
    [InlineData("30 9 * * 1-5", "Asia/Kolkata", "2025-07-18T05:00:00Z", "2025-07-21T04:00:00Z")]
    [InlineData("*/10 * * * * *", "UTC", "2025-07-14T12:00:01Z", "2025-07-14T12:00:10Z")]
    public void The_next_run_is_read_in_the_schedules_time_zone(string cron, string zone, string after, string expected)
    {
        Assert.Equal(DateTimeOffset.Parse(expected), CronSchedule.Of(cron, zone).NextAfter(DateTimeOffset.Parse(after)));
    }

    [Theory]
    [InlineData("0 2 * * *")]
    [InlineData("*/5 * * * *")] // exactly the minimum
    [InlineData("@hourly")]
    [InlineData("@daily")]
    [InlineData("@weekly")]
    [InlineData("@monthly")]
    [InlineData("0 */10 * * * *")] // six fields: seconds first
    [InlineData("0 0 29 2 *")] // leap days only
    public void Acceptable_timings(string cron)
    {
        Assert.Null(CronSchedule.Refusal(cron, "Europe/Berlin", FiveMinutes, DateTimeOffset.Parse("2025-07-14T12:00:00Z")));
    }

    [Theory]
    [InlineData("* * * * * *", "UTC", "cron", "1 second apart")]
    [InlineData("*/30 * * * * *", "UTC", "cron", "30 seconds apart")]
    [InlineData("@every_minute", "UTC", "cron", "1 minute apart")]
    // The next two runs from noon are an hour apart, but 13:00 and 13:01 are not.
    [InlineData("0,1 13 * * *", "UTC", "cron", "1 minute apart")]
    [InlineData("0 0 30 2 *", "UTC", "cron", "never fires")]
    [InlineData("not a cron", "UTC", "cron", "has 3 fields")]
    [InlineData("61 * * * *", "UTC", "cron", "is not valid")]
    [InlineData("@fortnightly", "UTC", "cron", "is not valid")]
    [InlineData("0 2 * * *", "Mars/Olympus_Mons", "timezone", "unknown time zone")]
    [InlineData("0 2 * * *", "../../etc/passwd", "timezone", "not an IANA time zone")]
    [InlineData("0 2 * * *", "W. Europe Standard Time", "timezone", "not an IANA time zone")]
    public void Refused_timings_name_the_field_and_say_why(string cron, string zone, string field, string because)
    {
        var refusal = CronSchedule.Refusal(cron, zone, FiveMinutes, DateTimeOffset.Parse("2025-07-14T12:00:00Z"));
        Assert.NotNull(refusal);
        Assert.Equal(field, refusal.Field);
        Assert.Contains(because, refusal.Detail);
    }
}
