using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Runtime;
using ScanGate.Contracts;
using ScanGate.Scanners;

namespace ScanGate.Grains;

[GenerateSerializer, Alias("scangate.project-state.v1")]
public sealed class ProjectState
{
    [Id(0)] public Project? Project { get; set; }
    [Id(1)] public List<ProjectSchedule> Schedules { get; set; } = [];
    /// <summary>Latest completed scan per branch.</summary>
    [Id(2)] public Dictionary<string, string> BranchBaselines { get; set; } = new(StringComparer.Ordinal);
    /// <summary>Completed scan per commit, oldest first (bounded).</summary>
    [Id(3)] public List<KeyValuePair<string, string>> CommitBaselines { get; set; } = [];
}

/// <summary>A project's settings, its most recent scans and its schedules. Key: "{orgId}/{projectKey}".</summary>
public sealed class ProjectGrain(
    [PersistentState("project", "state")] IPersistentState<ProjectState> store,
    Clock clock,
    IOptions<ScheduleOptions> scheduleOptions,
    ILogger<ProjectGrain> logger) : Grain, IProjectGrain, IRemindable
{
    private const int RecentScanCount = 50;
    private const string ScheduleReminder = "schedules";
    /// <summary>The longest the schedule timer waits before it looks again (a timer cannot wait for months, and
    /// looking hourly also absorbs a clock that was set forward or back).</summary>
    private static readonly TimeSpan LongestTimerWait = TimeSpan.FromHours(1);
    /// <summary>How soon a run whose start failed on an error (the database restarting, say) is tried again.</summary>
    private static readonly TimeSpan RetryAfterError = TimeSpan.FromSeconds(30);
    private IGrainTimer? _scheduleTimer;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        AimScheduleTimer(TimeSpan.Zero);
        return Task.CompletedTask;
    }

    public async Task<CommandResult<Project>> Create(Project project)
    {
        if (store.State.Project is not null) return CommandResult<Project>.Fail(CommandError.Conflict, $"project '{project.Key}' already exists");
        await SaveNew(project);
        return CommandResult<Project>.Success(store.State.Project!);
    }

    public async Task<Project> Ensure(Project template)
    {
        if (store.State.Project is null) await SaveNew(template);
        return store.State.Project!;
    }

    private async Task SaveNew(Project project)
    {
        var now = clock.UtcNow;
        store.State.Project = project with { CreatedAt = now, UpdatedAt = now, RecentScans = [] };
        await store.WriteStateAsync();
        await GrainFactory.GetGrain<IOrganizationGrain>(project.OrgId).AddProject(project.Key);
    }

    public Task<Project?> Get() => Task.FromResult(store.State.Project);

    public async Task<CommandResult<Project>> Update(Project project)
    {
        if (store.State.Project is not { } current) return CommandResult<Project>.Fail(CommandError.NotFound, "no such project");
        store.State.Project = project with
        {
            OrgId = current.OrgId, Key = current.Key, CreatedAt = current.CreatedAt, UpdatedAt = clock.UtcNow,
            RecentScans = current.RecentScans, CreatedOnTheFly = false,
        };
        await store.WriteStateAsync();
        return CommandResult<Project>.Success(store.State.Project);
    }

    public async Task<bool> Delete()
    {
        if (store.State.Project is not { } current) return false;
        store.State.Project = null;
        store.State.Schedules = [];
        await store.ClearStateAsync();
        await KeepScheduleWakeupsAsync();
        await GrainFactory.GetGrain<IOrganizationGrain>(current.OrgId).RemoveProject(current.Key);
        return true;
    }

    private const int CommitBaselineCount = 500;

    public async Task RecordBaseline(string scanId, string? branch, string? commit)
    {
        if (store.State.Project is not { } p) return;
        branch ??= p.DefaultBranch;
        store.State.BranchBaselines[branch] = scanId;
        if (commit is not null)
        {
            var commits = store.State.CommitBaselines;
            commits.RemoveAll(c => c.Key == commit);
            commits.Add(new(commit, scanId));
            if (commits.Count > CommitBaselineCount) commits.RemoveRange(0, commits.Count - CommitBaselineCount);
        }
        await store.WriteStateAsync();
    }

    public Task<string?> FindCommitBaseline(string commit) =>
        Task.FromResult(store.State.CommitBaselines.FindLast(c => c.Key.StartsWith(commit, StringComparison.Ordinal) || commit.StartsWith(c.Key, StringComparison.Ordinal)).Value);

    public Task<string?> FindBaseline(string? branch, string? commit)
    {
        if (commit is not null && store.State.CommitBaselines.FindLast(c => c.Key.StartsWith(commit, StringComparison.Ordinal) || commit.StartsWith(c.Key, StringComparison.Ordinal)) is { Value: { } byCommit })
            return Task.FromResult<string?>(byCommit);
        branch ??= store.State.Project?.DefaultBranch;
        return Task.FromResult(branch is not null && store.State.BranchBaselines.TryGetValue(branch, out var byBranch) ? byBranch : null);
    }

    public async Task AddScan(string scanId)
    {
        if (store.State.Project is not { } p) return;
        store.State.Project = p with { RecentScans = p.RecentScans.Prepend(scanId).Take(RecentScanCount).ToList() };
        await store.WriteStateAsync();
    }

    public async Task<CommandResult> StartScan(ScanRequest request, bool failOnSeverityChosen)
    {
        if (store.State.Project is not { } project) return CommandResult.Fail(CommandError.NotFound, $"no project '{ProjectKey}' in this organisation");
        return await StartScanAsync(project, request, failOnSeverityChosen);
    }

    private async Task<CommandResult> StartScanAsync(Project project, ScanRequest request, bool failOnSeverityChosen)
    {
        var scan = GrainFactory.GetGrain<IScanGrain>(Ids.NewScanId());
        // The scan reports itself to this project (AddScan) while this turn waits for it to start.
        using var reentrant = RequestContext.AllowCallChainReentrancy();
        return await scan.Start(request with
        {
            OrgId = project.OrgId,
            ProjectKey = project.Key,
            FailOnSeverity = failOnSeverityChosen ? request.FailOnSeverity : project.FailOnSeverity,
        }, rescanOf: null);
    }

    /// <summary>The project key part of this grain's key ("{orgId}/{projectKey}"), for messages about a project that does not exist.</summary>
    private string ProjectKey => this.GetPrimaryKeyString().Split('/', 2)[^1];

    public Task<IReadOnlyList<ProjectSchedule>?> Schedules() =>
        Task.FromResult<IReadOnlyList<ProjectSchedule>?>(store.State.Project is null ? null : store.State.Schedules.ToList());

    public async Task<CommandResult<ProjectSchedule>> AddSchedule(ProjectSchedule schedule)
    {
        if (store.State.Project is not { } project) return CommandResult<ProjectSchedule>.Fail(CommandError.NotFound, $"no project '{ProjectKey}'");
        if (store.State.Schedules.Count >= ProjectSchedule.MaxPerProject)
            return CommandResult<ProjectSchedule>.Fail(CommandError.Invalid, $"project '{project.Key}' already has {ProjectSchedule.MaxPerProject} schedules, the most a project may have");
        if (store.State.Schedules.Any(s => s.Id == schedule.Id))
            return CommandResult<ProjectSchedule>.Fail(CommandError.Conflict, $"schedule '{schedule.Id}' already exists");
        var now = clock.UtcNow;
        if (TimingRefusal(schedule.Cron, schedule.TimeZone, now) is { } refused) return refused;
        var added = schedule with
        {
            Scan = schedule.Scan with { OrgId = project.OrgId, ProjectKey = project.Key, ScheduleId = schedule.Id },
            CreatedAt = now,
            NextRunAt = schedule.Enabled ? CronSchedule.Of(schedule.Cron, schedule.TimeZone).NextAfter(now) : null,
            LastRunAt = null, LastScanId = null, LastError = null,
        };
        store.State.Schedules.Add(added);
        await store.WriteStateAsync();
        await KeepScheduleWakeupsAsync();
        return CommandResult<ProjectSchedule>.Success(added);
    }

    public async Task<CommandResult<ProjectSchedule>> ChangeSchedule(string scheduleId, ScheduleChange change)
    {
        var index = store.State.Project is null ? -1 : store.State.Schedules.FindIndex(s => s.Id == scheduleId);
        if (index < 0) return CommandResult<ProjectSchedule>.Fail(CommandError.NotFound, $"no schedule '{scheduleId}' in project '{ProjectKey}'");
        var current = store.State.Schedules[index];
        var now = clock.UtcNow;
        var changed = current with
        {
            Cron = change.Cron ?? current.Cron,
            TimeZone = change.TimeZone ?? current.TimeZone,
            Enabled = change.Enabled ?? current.Enabled,
        };
        var retimed = changed.Cron != current.Cron || changed.TimeZone != current.TimeZone;
        if (retimed && TimingRefusal(changed.Cron, changed.TimeZone, now) is { } refused) return refused;
        // A schedule enabled again starts from now: what it missed while disabled is not made up.
        if (!changed.Enabled) changed = changed with { NextRunAt = null };
        else if (retimed || !current.Enabled) changed = changed with { NextRunAt = CronSchedule.Of(changed.Cron, changed.TimeZone).NextAfter(now) };
        store.State.Schedules[index] = changed;
        await store.WriteStateAsync();
        await KeepScheduleWakeupsAsync();
        return CommandResult<ProjectSchedule>.Success(changed);
    }

    public async Task<bool> RemoveSchedule(string scheduleId)
    {
        if (store.State.Project is null || store.State.Schedules.RemoveAll(s => s.Id == scheduleId) == 0) return false;
        await store.WriteStateAsync();
        await KeepScheduleWakeupsAsync();
        return true;
    }

    private CommandResult<ProjectSchedule>? TimingRefusal(string cron, string timeZone, DateTimeOffset now) =>
        CronSchedule.Refusal(cron, timeZone, scheduleOptions.Value.MinimumInterval, now) is { } refusal
            ? CommandResult<ProjectSchedule>.Fail(CommandError.Invalid, refusal.Detail)
            : null;

    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        if (reminderName != ScheduleReminder) return;
        if (!store.State.Schedules.Any(s => s.Enabled))
        {
            await KeepScheduleWakeupsAsync(); // a leftover: nothing is enabled any more
            return;
        }
        await RunDueSchedulesAsync();
    }

    /// <summary>Starts the scan of every enabled schedule that is due, and moves each one to its next occurrence.</summary>
    private async Task RunDueSchedulesAsync()
    {
        var retrySoon = false;
        foreach (var id in store.State.Schedules.Select(s => s.Id).ToList())
        {
            var now = clock.UtcNow;
            var schedule = store.State.Schedules.Find(s => s.Id == id);
            if (store.State.Project is not { } project || schedule is null || !schedule.IsDue(now)) continue;
            CommandResult started;
            try
            {
                started = await StartScanAsync(project, schedule.Scan with { TriggeredBy = schedule.CreatedBy }, schedule.FailOnSeverityChosen);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // Left due: the next timer or reminder tick tries again.
                logger.LogWarning(ex, "Project {Project}: schedule {Schedule} could not start its scan; trying again", this.GetPrimaryKeyString(), id);
                retrySoon = true;
                continue;
            }
            var index = store.State.Schedules.FindIndex(s => s.Id == id);
            if (index < 0) continue;
            store.State.Schedules[index] = schedule.AfterRun(now, started.Snapshot?.Id, started.Ok ? null : started.Message);
            // Written run by run, so a silo lost half-way through does not start the same runs again.
            await store.WriteStateAsync();
            if (started.Ok)
                logger.LogInformation("Project {Project}: schedule {Schedule} started scan {ScanId}", this.GetPrimaryKeyString(), id, started.Snapshot!.Id);
            else
                logger.LogWarning("Project {Project}: schedule {Schedule} started no scan: {Reason}", this.GetPrimaryKeyString(), id, started.Message);
        }
        AimScheduleTimer(retrySoon ? RetryAfterError : TimeSpan.Zero);
    }

    /// <summary>A durable reminder while any schedule is enabled (it brings this project back after a restart or a
    /// deactivation), none otherwise; and the timer aimed at the nearest run.</summary>
    private async Task KeepScheduleWakeupsAsync()
    {
        var anyEnabled = store.State.Schedules.Any(s => s.Enabled);
        var reminder = await this.GetReminder(ScheduleReminder);
        if (anyEnabled && reminder is null)
        {
            var period = scheduleOptions.Value.ReminderPeriod;
            await this.RegisterOrUpdateReminder(ScheduleReminder, period, period);
        }
        else if (!anyEnabled && reminder is not null) await this.UnregisterReminder(reminder);
        AimScheduleTimer(TimeSpan.Zero);
    }

    /// <summary>Aims the one-shot timer at the nearest next run (a reminder period is too coarse to be on time),
    /// but no sooner than <paramref name="notBefore"/> from now.</summary>
    private void AimScheduleTimer(TimeSpan notBefore)
    {
        var nearest = store.State.Schedules.Where(s => s.Enabled).Min(s => s.NextRunAt);
        if (nearest is null)
        {
            _scheduleTimer?.Dispose();
            _scheduleTimer = null;
            return;
        }
        var wait = nearest.Value - clock.UtcNow;
        wait = wait < notBefore ? notBefore : wait > LongestTimerWait ? LongestTimerWait : wait;
        if (_scheduleTimer is null)
            _scheduleTimer = this.RegisterGrainTimer(RunDueSchedulesAsync,
                new GrainTimerCreationOptions { DueTime = wait, Period = Timeout.InfiniteTimeSpan, Interleave = false, KeepAlive = false });
        else _scheduleTimer.Change(wait, Timeout.InfiniteTimeSpan);
    }
}
