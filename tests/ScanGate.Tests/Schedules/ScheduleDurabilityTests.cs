using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using ScanGate.Api.Auth;
using ScanGate.Contracts;
using ScanGate.Tests.Infrastructure;
using ScanGate.Tests.Tenancy;

namespace ScanGate.Tests.Schedules;

/// <summary>Schedules on a real PostgreSQL: their state and their reminder outlive the deployment that made them.</summary>
public sealed class ScheduleDurabilityTests
{
    [Fact]
    public async Task After_a_restart_the_reminder_brings_a_schedule_back_and_the_nights_it_missed_make_one_scan()
    {
        await using var db = await PostgresDatabase.CreateAsync();
        using var site = CountingWebServer.Start();
        var platformKey = ApiKeys.NewKey();
        string[] args =
        [
            "--ScanGate:Storage:Provider", "postgres", "--ConnectionStrings:Postgres", db.ConnectionString,
            "--ScanGate:Schedules:ReminderPeriod", "00:00:02",
        ];

        string ownerKey, id;
        DateTimeOffset firstRun;
        await using (var first = await ApiHost.StartWithKeyAsync(platformKey, null, args))
        {
            ownerKey = (await first.CreateTenantAsync("Restarted")).Keys["admin"];
            using var owner = first.ClientFor(ownerKey);
            await ApiHost.PostJsonAsync(owner, "/api/v1/projects", new { key = "nightly", name = "Nightly" });
            var created = await ApiHost.PostJsonAsync(owner, "/api/v1/projects/nightly/schedules",
                new { cron = "0 2 * * *", timezone = "Europe/Berlin", scan_type = "security_headers", target = site.Url });
            id = created.GetProperty("id").GetString()!;
            firstRun = created.GetProperty("next_run_at").GetDateTimeOffset();
        }
        Assert.Equal(1, await ScheduleReminders(db));

        // The deployment comes back after three nights: 02:00 in Berlin has passed three times while it was down.
        var clock = new ShiftedClock { Offset = firstRun - DateTimeOffset.UtcNow + TimeSpan.FromDays(2) + TimeSpan.FromHours(1) };
        await using var second = await ApiHost.StartWithKeyAsync(platformKey, b => b.Services.AddSingleton<Clock>(clock), args);
        using var ownerAgain = second.ClientFor(ownerKey);

        // Nothing calls the project: only its reminder can wake it.
        async Task<List<JsonElement>> Scans() =>
            (await ownerAgain.GetFromJsonAsync<JsonElement>("/api/v1/scans?project=nightly")).GetProperty("items").EnumerateArray().ToList();
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while ((await Scans()).Count == 0)
        {
            Assert.True(DateTime.UtcNow < deadline, "no scheduled scan after the restart");
            await Task.Delay(200);
        }
        await Task.Delay(TimeSpan.FromSeconds(6)); // three more reminder ticks, to see that no more runs follow

        var scan = Assert.Single(await Scans());
        var schedule = await ownerAgain.GetFromJsonAsync<JsonElement>($"/api/v1/projects/nightly/schedules/{id}");
        Assert.Equal(scan.GetProperty("id").GetString(), schedule.GetProperty("last_scan_id").GetString());
        Assert.True(schedule.GetProperty("last_run_at").GetDateTimeOffset() > firstRun.AddDays(2));
        var berlin = TimeZoneInfo.FindSystemTimeZoneById("Europe/Berlin");
        var fourthNight = TimeZoneInfo.ConvertTime(firstRun, berlin).Date.AddDays(3).AddHours(2);
        Assert.Equal(new DateTimeOffset(fourthNight, berlin.GetUtcOffset(fourthNight)), schedule.GetProperty("next_run_at").GetDateTimeOffset());

        // With no enabled schedule left, the project keeps no reminder.
        using (var disable = await ownerAgain.PatchAsync($"/api/v1/projects/nightly/schedules/{id}", JsonContent.Create(new { enabled = false })))
            Assert.Equal(System.Net.HttpStatusCode.OK, disable.StatusCode);
        Assert.Equal(0, await ScheduleReminders(db));
    }

    private static async Task<long> ScheduleReminders(PostgresDatabase db)
    {
        await using var count = db.DataSource.CreateCommand("SELECT count(*) FROM orleansremindertable WHERE remindername = 'schedules'");
        return (long)(await count.ExecuteScalarAsync())!;
    }
}
