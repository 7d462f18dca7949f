using ScanGate.Contracts;

namespace ScanGate.Grains;

[GenerateSerializer, Alias("scangate.project-state.v1")]
public sealed class ProjectState
{
    [Id(0)] public Project? Project { get; set; }
}

/// <summary>A project's settings and its most recent scans. Key: "{orgId}/{projectKey}".</summary>
public sealed class ProjectGrain([PersistentState("project", "state")] IPersistentState<ProjectState> store, Clock clock) : Grain, IProjectGrain
{
    private const int RecentScanCount = 50;

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
        await store.ClearStateAsync();
        await GrainFactory.GetGrain<IOrganizationGrain>(current.OrgId).RemoveProject(current.Key);
        return true;
    }

    public async Task AddScan(string scanId)
    {
        if (store.State.Project is not { } p) return;
        store.State.Project = p with { RecentScans = p.RecentScans.Prepend(scanId).Take(RecentScanCount).ToList() };
        await store.WriteStateAsync();
    }
}
