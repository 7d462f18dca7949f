using System.Text.Json;
using Microsoft.Extensions.Options;
using ScanGate.Contracts;
using ScanGate.Scanners;
using ScanGate.Scanners.Catalog;

namespace ScanGate.Application;

/// <summary>The caller's organisation's projects and their scheduled scans. Bodies are in the native request shape
/// (POST /api/v1/projects, …/schedules); another organisation's project of the same key is another grain, so it reads
/// as missing.</summary>
public sealed class ProjectService(IGrainFactory grains, ScanCatalog catalog, TargetPolicy targets, IOptions<ScheduleOptions> scheduleOptions,
    Clock clock, AuditTrail audit)
{
    public static readonly string[] Fields = ["key", "name", "repository_url", "default_branch", "fail_on_severity", "dast_target_url", "webhook_secret", "repository_ids", "description"];
    public const int MaxRepositoryIds = 20;
    public static readonly string[] ScheduleTimingFields = ["cron", "timezone", "enabled"];
    public const int MinWebhookSecretLength = 16;

    private IProjectGrain Grain(Actor actor, string key) => grains.GetGrain<IProjectGrain>(IProjectGrain.KeyOf(actor.Caller.OrgId, key));
    private static AppError NoProject(string key) => AppError.NotFound($"no project '{key}'");
    private static AppError NoSchedule(string key, string id) => AppError.NotFound($"no schedule '{id}' in project '{key}'");

    public async Task<Outcome<Project>> CreateAsync(Actor actor, JsonElement body)
    {
        try
        {
            var name = JsonFields.RequiredString(body, "name", 200);
            var key = JsonFields.String(body, "key", 64) ?? ProjectKeys.FromTarget(null, name);
            if (!ProjectKeys.IsValid(key)) throw new RequestValidationException("key", ProjectKeys.Rule);
            var project = Read(body, new Project { OrgId = actor.Caller.OrgId, Key = key, Name = name });
            var result = await Grain(actor, key).Create(project);
            if (!result.Ok) return new AppError(result.Error, result.Message!);
            await audit.RecordAsync(actor, "project.created", key, new Dictionary<string, string> { ["name"] = name });
            return result.Value!;
        }
        catch (RequestValidationException ex) { return AppError.Of(ex); }
    }

    public async Task<IReadOnlyList<Project>> ListAsync(Actor actor)
    {
        var list = new List<Project>();
        foreach (var key in await grains.GetGrain<IOrganizationGrain>(actor.Caller.OrgId).Projects())
            if (await Grain(actor, key).Get() is { } p) list.Add(p);
        return list;
    }

    public async Task<Project?> GetAsync(Actor actor, string key) => ProjectKeys.IsValid(key) ? await Grain(actor, key).Get() : null;

    /// <summary>The project a repository id names: a project key, or one of a project's <see cref="Project.RepositoryIds"/>
    /// (the Git host's own id of the repository, which integrations that know only that send).</summary>
    public async Task<Project?> FindByRepositoryIdAsync(Actor actor, string id)
    {
        if (await GetAsync(actor, id) is { } byKey) return byKey;
        foreach (var p in await ListAsync(actor))
            if (p.RepositoryIds.Contains(id, StringComparer.Ordinal)) return p;
        return null;
    }

    public async Task<Outcome<Project>> UpdateAsync(Actor actor, string key, JsonElement body)
    {
        if (await GetAsync(actor, key) is not { } current) return NoProject(key);
        try
        {
            var updated = Read(body, current with { Name = JsonFields.String(body, "name", 200) ?? current.Name });
            var result = await Grain(actor, key).Update(updated);
            if (!result.Ok) return new AppError(result.Error, result.Message!);
            await audit.RecordAsync(actor, "project.updated", key, new Dictionary<string, string>
            {
                ["fields"] = string.Join(' ', body.EnumerateObject().Select(p => p.Name)),
            });
            return result.Value!;
        }
        catch (RequestValidationException ex) { return AppError.Of(ex); }
    }

    public async Task<Outcome<string>> DeleteAsync(Actor actor, string key)
    {
        if (!ProjectKeys.IsValid(key) || !await Grain(actor, key).Delete()) return NoProject(key);
        await audit.RecordAsync(actor, "project.deleted", key);
        return key;
    }

    /// <summary>The optional settings of a project body, over <paramref name="project"/>'s current values.</summary>
    private static Project Read(JsonElement body, Project project)
    {
        var repo = JsonFields.String(body, "repository_url", 2048);
        if (repo is not null && !Targets.TryNormalize(TargetKind.GitRepository, repo, out repo, out var repoError))
            throw new RequestValidationException("repository_url", repoError);
        var dast = JsonFields.String(body, "dast_target_url", 2048);
        if (dast is not null && !Targets.TryNormalize(TargetKind.Url, dast, out dast, out var dastError))
            throw new RequestValidationException("dast_target_url", dastError);
        var branch = JsonFields.String(body, "default_branch", 200);
        var webhookSecret = JsonFields.String(body, "webhook_secret", 256);
        if (webhookSecret is { Length: < MinWebhookSecretLength })
            throw new RequestValidationException("webhook_secret", $"webhook_secret must be at least {MinWebhookSecretLength} characters");
        IReadOnlyList<string>? repositoryIds = null;
        if (body.TryGetProperty("repository_ids", out var ids) && ids.ValueKind != JsonValueKind.Null)
        {
            if (ids.ValueKind != JsonValueKind.Array || ids.GetArrayLength() > MaxRepositoryIds
                || ids.EnumerateArray().Any(e => e.ValueKind is not (JsonValueKind.String or JsonValueKind.Number) || e.ToString().Trim() is { Length: 0 or > 200 }))
                throw new RequestValidationException("repository_ids", $"repository_ids must be an array of at most {MaxRepositoryIds} ids (strings or numbers, up to 200 characters)");
            repositoryIds = ids.EnumerateArray().Select(e => e.ToString().Trim()).Distinct(StringComparer.Ordinal).ToList();
        }
        Severity? failOn = project.FailOnSeverity;
        if (JsonFields.String(body, "fail_on_severity", 20) is { } word)
            failOn = word == "none" ? null
                : StatusWords.TryParseSeverity(word, out var s) && s != Severity.Info ? s
                : throw new RequestValidationException("fail_on_severity", "fail_on_severity must be one of critical, high, medium, low, none");
        return project with
        {
            RepositoryUrl = repo ?? project.RepositoryUrl,
            DastTargetUrl = dast ?? project.DastTargetUrl,
            DefaultBranch = branch ?? project.DefaultBranch,
            FailOnSeverity = failOn,
            WebhookSecret = webhookSecret ?? project.WebhookSecret,
            RepositoryIds = repositoryIds ?? project.RepositoryIds,
            Description = JsonFields.String(body, "description", 2000) ?? project.Description,
        };
    }

    // Schedules: changing them takes what changing the project takes, and also scans:trigger (the surfaces check scopes).

    private async Task<IReadOnlyList<ProjectSchedule>?> SchedulesOf(Actor actor, string key) =>
        ProjectKeys.IsValid(key) ? await Grain(actor, key).Schedules() : null;

    public async Task<Outcome<IReadOnlyList<ProjectSchedule>>> ListSchedulesAsync(Actor actor, string key) =>
        await SchedulesOf(actor, key) is { } schedules ? Outcome(schedules) : NoProject(key);

    private static Outcome<IReadOnlyList<ProjectSchedule>> Outcome(IReadOnlyList<ProjectSchedule> schedules) => new(schedules, null);

    public async Task<Outcome<ProjectSchedule>> GetScheduleAsync(Actor actor, string key, string id)
    {
        if (await SchedulesOf(actor, key) is not { } schedules) return NoProject(key);
        return schedules.FirstOrDefault(s => s.Id == id) is { } schedule ? schedule : NoSchedule(key, id);
    }

    /// <summary>A schedule from a body holding its timing (<see cref="ScheduleTimingFields"/>) and the scan it runs, in
    /// the native scan request's fields.</summary>
    public async Task<Outcome<ProjectSchedule>> CreateScheduleAsync(Actor actor, string key, JsonElement body, bool allowPrivateCallbacks,
        CancellationToken cancellationToken)
    {
        if (await SchedulesOf(actor, key) is null) return NoProject(key);
        try
        {
            var cron = JsonFields.RequiredString(body, "cron", 200);
            var timeZone = JsonFields.String(body, "timezone", 100) ?? "UTC";
            var enabled = JsonFields.Bool(body, "enabled") ?? true;
            CheckTiming(cron, timeZone);
            var (scan, failOnChosen) = await ScanRequestParser.ParseAllowedAsync(body, catalog, actor.Caller.OrgId, allowPrivateCallbacks,
                targets, cancellationToken, ScheduleTimingFields);
            if (scan.ProjectKey is { } named && named != key)
                throw new RequestValidationException("project", $"a schedule scans the project it belongs to ('{key}'); leave project out");

            var result = await Grain(actor, key).AddSchedule(new ProjectSchedule
            {
                Id = "sch_" + SortableId.New(), Cron = cron, TimeZone = timeZone, Enabled = enabled,
                Scan = scan, FailOnSeverityChosen = failOnChosen, CreatedBy = actor.Caller.MemberId,
            });
            if (!result.Ok) return new AppError(result.Error, result.Message!);
            var schedule = result.Value!;
            await audit.RecordAsync(actor, "schedule.created", key, new Dictionary<string, string>
            {
                ["schedule"] = schedule.Id, ["cron"] = cron, ["timezone"] = timeZone, ["enabled"] = enabled ? "true" : "false",
                ["scan_type"] = scan.ScanType, ["target"] = scan.Target,
            });
            return schedule;
        }
        catch (RequestValidationException ex) { return AppError.Of(ex); }
    }

    /// <summary>Changes a schedule's timing (<see cref="ScheduleTimingFields"/>).</summary>
    public async Task<Outcome<ProjectSchedule>> UpdateScheduleAsync(Actor actor, string key, string id, JsonElement body)
    {
        if (await SchedulesOf(actor, key) is not { } schedules) return NoProject(key);
        if (schedules.FirstOrDefault(s => s.Id == id) is not { } current) return NoSchedule(key, id);
        try
        {
            var change = new ScheduleChange
            {
                Cron = JsonFields.String(body, "cron", 200),
                TimeZone = JsonFields.String(body, "timezone", 100),
                Enabled = JsonFields.Bool(body, "enabled"),
            };
            if (change.Cron is not null || change.TimeZone is not null)
                CheckTiming(change.Cron ?? current.Cron, change.TimeZone ?? current.TimeZone);
            var result = await Grain(actor, key).ChangeSchedule(id, change);
            if (!result.Ok) return new AppError(result.Error, result.Message!);
            await audit.RecordAsync(actor, "schedule.updated", key, new Dictionary<string, string>
            {
                ["schedule"] = id, ["fields"] = string.Join(' ', body.EnumerateObject().Select(p => p.Name)),
                ["cron"] = result.Value!.Cron, ["timezone"] = result.Value.TimeZone, ["enabled"] = result.Value.Enabled ? "true" : "false",
            });
            return result.Value;
        }
        catch (RequestValidationException ex) { return AppError.Of(ex); }
    }

    public async Task<Outcome<string>> DeleteScheduleAsync(Actor actor, string key, string id)
    {
        if (!ProjectKeys.IsValid(key) || await Grain(actor, key).Get() is null) return NoProject(key);
        if (!await Grain(actor, key).RemoveSchedule(id)) return NoSchedule(key, id);
        await audit.RecordAsync(actor, "schedule.deleted", key, new Dictionary<string, string> { ["schedule"] = id });
        return id;
    }

    /// <summary>The schedule's timing, checked here to name the field at fault (the project grain checks it again).</summary>
    private void CheckTiming(string cron, string timeZone)
    {
        if (CronSchedule.Refusal(cron, timeZone, scheduleOptions.Value.MinimumInterval, clock.UtcNow) is { } refusal)
            throw new RequestValidationException(refusal.Field, refusal.Detail);
    }
}
