using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using ScanGate.Tests.Infrastructure;

namespace ScanGate.Tests.Schedules;

/// <summary>Project schedules over real HTTP: they start real security_headers scans of a listener on 127.0.0.1.</summary>
public sealed class ScheduleApiTests : IAsyncLifetime
{
    private ApiHost _host = null!;
    private CountingWebServer _site = null!;

    public async Task InitializeAsync()
    {
        // Runs two seconds apart are allowed here, so a test sees several in a few seconds.
        _host = await ApiHost.StartAsync("--ScanGate:Schedules:MinimumInterval", "00:00:02", "--ScanGate:Schedules:ReminderPeriod", "00:00:05");
        _site = CountingWebServer.Start();
    }

    public async Task DisposeAsync()
    {
        _site.Dispose();
        await _host.DisposeAsync();
    }

    private static StringContent Json(object body) => new(JsonSerializer.Serialize(body), Encoding.UTF8, "application/json");

    private static async Task<JsonElement> ReadJson(HttpResponseMessage response) => await response.Content.ReadFromJsonAsync<JsonElement>();

    private static async Task<List<JsonElement>> ProjectScans(HttpClient client, string project) =>
        (await client.GetFromJsonAsync<JsonElement>($"/api/v1/scans?project={project}&limit=200")).GetProperty("items").EnumerateArray().ToList();

    private static async Task<T> Eventually<T>(Func<Task<T>> read, Func<T, bool> done, TimeSpan timeout, string what)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var value = await read();
            if (done(value)) return value;
            Assert.True(DateTime.UtcNow < deadline, $"timed out waiting for {what}; last seen: {value}");
            await Task.Delay(100);
        }
    }

    private async Task<HttpClient> TenantAdminWithProject(string tenant, string project)
    {
        var t = await _host.CreateTenantAsync(tenant);
        var admin = _host.ClientFor(t.Keys["admin"]);
        await ApiHost.PostJsonAsync(admin, "/api/v1/projects", new { key = project, name = project, fail_on_severity = "low" });
        return admin;
    }

    [Fact]
    public async Task A_schedule_starts_scans_on_time_until_disabled_and_is_gone_after_delete()
    {
        using var admin = await TenantAdminWithProject("Nightly", "web");
        var before = DateTimeOffset.UtcNow;
        using var created = await admin.PostAsync("/api/v1/projects/web/schedules", Json(new
        {
            cron = "*/2 * * * * *", timezone = "Europe/Berlin",
            scan_type = "security_headers", target = _site.Url, branch = "main", pipeline_context = new { source = "nightly" },
        }));
        var answered = DateTimeOffset.UtcNow;
        var schedule = await ReadJson(created);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var id = schedule.GetProperty("id").GetString()!;
        Assert.StartsWith("sch_", id);
        Assert.Equal($"/api/v1/projects/web/schedules/{id}", created.Headers.Location?.ToString());
        Assert.Equal("web", schedule.GetProperty("project").GetString());
        Assert.Equal("Europe/Berlin", schedule.GetProperty("timezone").GetString());
        Assert.True(schedule.GetProperty("enabled").GetBoolean());
        Assert.Equal(JsonValueKind.Null, schedule.GetProperty("fail_on_severity").ValueKind); // the project's default, run by run
        var firstRun = schedule.GetProperty("next_run_at").GetDateTimeOffset();
        Assert.InRange(firstRun, before, answered.AddSeconds(2)); // the first even second after the schedule was made

        // Every scan the schedule starts lands in the project's scan list with the schedule's request.
        var scans = await Eventually(() => ProjectScans(admin, "web"), s => s.Count >= 3, TimeSpan.FromSeconds(60), "three scheduled scans");
        foreach (var item in scans)
        {
            Assert.Equal("security_headers", item.GetProperty("scan_type").GetString());
            Assert.Equal(_site.Url, item.GetProperty("target").GetString());
            Assert.Equal("web", item.GetProperty("project").GetString());
            Assert.Equal("main", item.GetProperty("branch").GetString());
        }
        var startTimes = scans.Select(s => s.GetProperty("created_at").GetDateTimeOffset()).Order().ToList();
        Assert.True(startTimes[0] >= firstRun.AddMilliseconds(-50), $"the first scan started at {startTimes[0]:O}, before its time {firstRun:O}");
        // On time: the timer, not the reminder (first due 5 s after the schedule was made, 3 s or more after its first run).
        Assert.True(startTimes[0] < firstRun.AddSeconds(2.5), $"the first scan started at {startTimes[0]:O}, late for {firstRun:O}");
        // Each run takes at least one occurrence of its own, so there are never more scans than occurrences so far.
        var occurrences = (int)Math.Floor((startTimes[^1] - firstRun).TotalSeconds / 2) + 1;
        Assert.True(startTimes.Count <= occurrences, $"{startTimes.Count} scans for {occurrences} occurrences: {string.Join(", ", startTimes.Select(t => t.ToString("O")))}");

        var oldest = scans[^1].GetProperty("id").GetString()!;
        var done = await Eventually(() => admin.GetFromJsonAsync<JsonElement>($"/api/v1/scans/{oldest}"),
            s => s.GetProperty("status").GetString() is "completed" or "failed", TimeSpan.FromSeconds(60), "the first scheduled scan to end");
        Assert.Equal("completed", done.GetProperty("status").GetString());
        Assert.Equal(id, done.GetProperty("schedule_id").GetString());
        Assert.Equal("low", done.GetProperty("fail_on_severity").GetString());
        Assert.Equal("nightly", done.GetProperty("pipeline_context").GetProperty("source").GetString());
        Assert.False(done.GetProperty("gate_passed").GetBoolean()); // the listener sends no security headers
        Assert.True(_site.Requests >= 1);

        var listed = (await admin.GetFromJsonAsync<JsonElement>("/api/v1/projects/web/schedules")).GetProperty("items");
        var seen = Assert.Single(listed.EnumerateArray());
        Assert.Contains(seen.GetProperty("last_scan_id").GetString(), (await ProjectScans(admin, "web")).Select(s => s.GetProperty("id").GetString()));
        Assert.True(seen.GetProperty("next_run_at").GetDateTimeOffset() > seen.GetProperty("last_run_at").GetDateTimeOffset());

        // Disabled: no further scans.
        using (var disable = await admin.PatchAsync($"/api/v1/projects/web/schedules/{id}", Json(new { enabled = false })))
        {
            Assert.Equal(HttpStatusCode.OK, disable.StatusCode);
            var disabled = await ReadJson(disable);
            Assert.False(disabled.GetProperty("enabled").GetBoolean());
            Assert.Equal(JsonValueKind.Null, disabled.GetProperty("next_run_at").ValueKind);
        }
        var countWhenDisabled = (await ProjectScans(admin, "web")).Count;
        await Task.Delay(TimeSpan.FromSeconds(5)); // two and a half periods of the cron: proving an absence takes waiting
        Assert.Equal(countWhenDisabled, (await ProjectScans(admin, "web")).Count);

        using (var delete = await admin.DeleteAsync($"/api/v1/projects/web/schedules/{id}"))
            Assert.Equal(HttpStatusCode.NoContent, delete.StatusCode);
        using (var gone = await admin.GetAsync($"/api/v1/projects/web/schedules/{id}"))
        {
            Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
            Assert.Equal("application/problem+json", gone.Content.Headers.ContentType?.MediaType);
        }
        using (var again = await admin.DeleteAsync($"/api/v1/projects/web/schedules/{id}"))
            Assert.Equal(HttpStatusCode.NotFound, again.StatusCode);
        using (var patchGone = await admin.PatchAsync($"/api/v1/projects/web/schedules/{id}", Json(new { enabled = true })))
            Assert.Equal(HttpStatusCode.NotFound, patchGone.StatusCode);
        Assert.Empty((await admin.GetFromJsonAsync<JsonElement>("/api/v1/projects/web/schedules")).GetProperty("items").EnumerateArray());

        var audit = (await admin.GetFromJsonAsync<JsonElement>("/api/v1/audit-log?limit=200")).GetProperty("items").EnumerateArray()
            .Where(e => e.GetProperty("action").GetString()!.StartsWith("schedule.")).ToList();
        Assert.Equal(["schedule.deleted", "schedule.updated", "schedule.created"], audit.Select(e => e.GetProperty("action").GetString()));
        Assert.All(audit, e => Assert.Equal(id, e.GetProperty("details").GetProperty("schedule").GetString()));
    }

    [Fact]
    public async Task Scans_posted_to_the_api_start_through_the_same_project_path_as_scheduled_ones()
    {
        using var admin = await TenantAdminWithProject("Direct", "web");
        async Task<JsonElement> Trigger(object body)
        {
            var id = (await ApiHost.PostJsonAsync(admin, "/api/v1/scans", body)).GetProperty("id").GetString()!;
            return await admin.GetFromJsonAsync<JsonElement>($"/api/v1/scans/{id}");
        }

        var named = await Trigger(new { scan_type = "security_headers", target = _site.Url, project = "web" });
        Assert.Equal("web", named.GetProperty("project").GetString());
        Assert.Equal("low", named.GetProperty("fail_on_severity").GetString()); // the project's default gate
        Assert.Equal(JsonValueKind.Null, named.GetProperty("schedule_id").ValueKind);
        Assert.Equal("high", (await Trigger(new { scan_type = "security_headers", target = _site.Url, project = "web", fail_on_severity = "high" }))
            .GetProperty("fail_on_severity").GetString());
        Assert.Equal(2, (await ProjectScans(admin, "web")).Count);

        var derived = await Trigger(new { scan_type = "security_headers", target = _site.Url });
        var derivedKey = derived.GetProperty("project").GetString()!;
        Assert.NotEqual("web", derivedKey);
        Assert.True((await admin.GetFromJsonAsync<JsonElement>($"/api/v1/projects/{derivedKey}")).GetProperty("created_on_the_fly").GetBoolean());

        using var unknown = await admin.PostAsync("/api/v1/scans", Json(new { scan_type = "security_headers", target = _site.Url, project = "nope" }));
        Assert.Equal(HttpStatusCode.BadRequest, unknown.StatusCode);
        var problem = await ReadJson(unknown);
        Assert.Equal("project", problem.GetProperty("field").GetString());
        Assert.Contains("no project 'nope'", problem.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task Bad_schedules_are_400_problems_that_store_nothing()
    {
        using var admin = await TenantAdminWithProject("Careful", "api");
        var scan = new Dictionary<string, object?> { ["scan_type"] = "security_headers", ["target"] = _site.Url };
        Dictionary<string, object?> With(params (string Key, object? Value)[] fields)
        {
            var body = new Dictionary<string, object?>(scan);
            foreach (var (key, value) in fields) body[key] = value;
            return body;
        }

        var cases = new (Dictionary<string, object?> Body, string Field, string Detail)[]
        {
            (With(("cron", "every night")), "cron", "has 2 fields"),
            (With(("cron", "0 25 * * *")), "cron", "is not valid"),
            (With(("cron", "* * * * * *")), "cron", "at most one run every 2 seconds"),
            (With(("cron", "0,1 * * * * *")), "cron", "1 second apart"),
            (With(("cron", "0 2 * * *"), ("timezone", "Mars/Olympus_Mons")), "timezone", "unknown time zone 'Mars/Olympus_Mons'"),
            (With(("cron", "0 2 * * *"), ("scan_type", "teleport")), "scan_type", "unknown scan_type 'teleport'"),
            (With(("cron", "0 2 * * *"), ("target", "ftp://127.0.0.1/")), "target", "security_headers takes"),
            (With(("cron", "0 2 * * *"), ("fail_on_severity", "apocalyptic")), "fail_on_severity", "must be one of"),
            (With(("cron", "0 2 * * *"), ("enabled", "yes")), "enabled", "true or false"),
            (With(("cron", "0 2 * * *"), ("colour", "red")), "colour", "unknown field 'colour'"),
            (With(("cron", "0 2 * * *"), ("project", "another")), "project", "leave project out"),
            (With(), "cron", "cron is required"),
        };
        foreach (var (body, field, detail) in cases)
        {
            using var response = await admin.PostAsync("/api/v1/projects/api/schedules", Json(body));
            var problem = await ReadJson(response);
            Assert.True(HttpStatusCode.BadRequest == response.StatusCode, $"{JsonSerializer.Serialize(body)} → {(int)response.StatusCode} {problem}");
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            Assert.Equal(field, problem.GetProperty("field").GetString());
            Assert.Contains(detail, problem.GetProperty("detail").GetString());
        }
        Assert.Empty((await admin.GetFromJsonAsync<JsonElement>("/api/v1/projects/api/schedules")).GetProperty("items").EnumerateArray());

        // A bad change to a good schedule changes nothing either.
        var good = await ApiHost.PostJsonAsync(admin, "/api/v1/projects/api/schedules", With(("cron", "0 2 * * *"), ("timezone", "Europe/Berlin")));
        var id = good.GetProperty("id").GetString();
        foreach (var (body, field) in new (object Body, string Field)[] { (new { cron = "*/1 * * * * *" }, "cron"), (new { timezone = "Nowhere/Else" }, "timezone"), (new { scan_type = "secret_scan" }, "scan_type") })
        {
            using var response = await admin.PatchAsync($"/api/v1/projects/api/schedules/{id}", Json(body));
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            Assert.Equal(field, (await ReadJson(response)).GetProperty("field").GetString());
        }
        var after = await admin.GetFromJsonAsync<JsonElement>($"/api/v1/projects/api/schedules/{id}");
        Assert.Equal("0 2 * * *", after.GetProperty("cron").GetString());
        Assert.Equal("Europe/Berlin", after.GetProperty("timezone").GetString());
        Assert.Equal(good.GetProperty("next_run_at").GetDateTimeOffset(), after.GetProperty("next_run_at").GetDateTimeOffset());
        Assert.Empty((await ProjectScans(admin, "api")));

        var actions = (await admin.GetFromJsonAsync<JsonElement>("/api/v1/audit-log?limit=200")).GetProperty("items").EnumerateArray()
            .Select(e => e.GetProperty("action").GetString()).Where(a => a!.StartsWith("schedule.")).ToList();
        Assert.Equal(["schedule.created"], actions);
    }

    [Fact]
    public async Task Another_organisation_cannot_see_or_change_a_schedule_and_narrow_keys_cannot_change_one()
    {
        var a = await _host.CreateTenantAsync("Owner");
        using var aAdmin = _host.ClientFor(a.Keys["admin"]);
        await ApiHost.PostJsonAsync(aAdmin, "/api/v1/projects", new { key = "shop", name = "Shop" });
        var schedule = await ApiHost.PostJsonAsync(aAdmin, "/api/v1/projects/shop/schedules",
            new { cron = "0 2 * * *", timezone = "Europe/Berlin", scan_type = "security_headers", target = _site.Url });
        var id = schedule.GetProperty("id").GetString()!;

        var b = await _host.CreateTenantAsync("Intruder");
        using var bAdmin = _host.ClientFor(b.Keys["admin"]);
        async Task ExpectNotFound(HttpClient client)
        {
            foreach (var response in new[]
            {
                await client.GetAsync("/api/v1/projects/shop/schedules"),
                await client.GetAsync($"/api/v1/projects/shop/schedules/{id}"),
                await client.PatchAsync($"/api/v1/projects/shop/schedules/{id}", Json(new { enabled = false })),
                await client.DeleteAsync($"/api/v1/projects/shop/schedules/{id}"),
                await client.PostAsync("/api/v1/projects/shop/schedules", Json(new { cron = "0 3 * * *", scan_type = "security_headers", target = _site.Url })),
            })
                using (response)
                    Assert.True(HttpStatusCode.NotFound == response.StatusCode, $"{response.RequestMessage!.Method} {response.RequestMessage.RequestUri}: {(int)response.StatusCode}");
        }
        await ExpectNotFound(bAdmin);
        // Even with a project of the same key of its own, the other organisation reaches only its own schedules.
        await ApiHost.PostJsonAsync(bAdmin, "/api/v1/projects", new { key = "shop", name = "Their shop" });
        Assert.Empty((await bAdmin.GetFromJsonAsync<JsonElement>("/api/v1/projects/shop/schedules")).GetProperty("items").EnumerateArray());
        using (var patch = await bAdmin.PatchAsync($"/api/v1/projects/shop/schedules/{id}", Json(new { enabled = false })))
            Assert.Equal(HttpStatusCode.NotFound, patch.StatusCode);
        using (var delete = await bAdmin.DeleteAsync($"/api/v1/projects/shop/schedules/{id}"))
            Assert.Equal(HttpStatusCode.NotFound, delete.StatusCode);

        // Within the organisation: viewers read; only what may change the project may change its schedules.
        using var viewer = _host.ClientFor(a.Keys["viewer"]);
        using var developer = _host.ClientFor(a.Keys["developer"]);
        Assert.Equal(HttpStatusCode.OK, (await viewer.GetAsync("/api/v1/projects/shop/schedules")).StatusCode);
        using (var post = await developer.PostAsync("/api/v1/projects/shop/schedules", Json(new { cron = "0 3 * * *", scan_type = "security_headers", target = _site.Url })))
            Assert.Equal(HttpStatusCode.Forbidden, post.StatusCode);
        using (var patch = await viewer.PatchAsync($"/api/v1/projects/shop/schedules/{id}", Json(new { enabled = false })))
            Assert.Equal(HttpStatusCode.Forbidden, patch.StatusCode);
        using (var delete = await developer.DeleteAsync($"/api/v1/projects/shop/schedules/{id}"))
            Assert.Equal(HttpStatusCode.Forbidden, delete.StatusCode);

        var unchanged = await aAdmin.GetFromJsonAsync<JsonElement>($"/api/v1/projects/shop/schedules/{id}");
        Assert.True(unchanged.GetProperty("enabled").GetBoolean());
        Assert.Equal(schedule.GetProperty("next_run_at").GetDateTimeOffset(), unchanged.GetProperty("next_run_at").GetDateTimeOffset());
    }
}

/// <summary>A plain web server on 127.0.0.1 that answers every request with a page and no security headers.</summary>
public sealed class CountingWebServer : IDisposable
{
    private readonly HttpListener _listener;
    private int _requests;
    public string Url { get; }
    public int Requests => Volatile.Read(ref _requests);

    private CountingWebServer(HttpListener listener, string url)
    {
        _listener = listener;
        Url = url;
    }

    public static CountingWebServer Start()
    {
        var url = $"http://127.0.0.1:{Net.FreePort()}/";
        var listener = new HttpListener();
        listener.Prefixes.Add(url);
        listener.Start();
        var server = new CountingWebServer(listener, url);
        _ = Task.Run(server.ServeAsync);
        return server;
    }

    private async Task ServeAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try { context = await _listener.GetContextAsync(); }
            catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException or InvalidOperationException) { return; }
            Interlocked.Increment(ref _requests);
            var page = "<html><body>scheduled</body></html>"u8.ToArray();
            context.Response.ContentType = "text/html";
            context.Response.OutputStream.Write(page);
            context.Response.Close();
        }
    }

    public void Dispose() => _listener.Close();
}
