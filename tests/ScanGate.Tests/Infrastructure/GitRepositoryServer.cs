using System.Diagnostics;

namespace ScanGate.Tests.Infrastructure;

/// <summary>A Git repository the test creates (by default with a secret planted in one file), served by `git daemon` on 127.0.0.1.</summary>
public sealed class GitRepositoryServer : IAsyncDisposable
{
    /// <summary>An AWS access key id shaped like a real one (it is not one).</summary>
    public const string PlantedKeyId = "AKIAQWERTYUIOPASDFGH";
    public const string SecretFile = "deploy/settings.ini";
    public const int SecretLine = 3;

    private readonly Process _daemon;
    private readonly string _root;
    public int Port { get; }
    public string Url => $"git://127.0.0.1:{Port}/app";

    private GitRepositoryServer(Process daemon, string root, int port) { _daemon = daemon; _root = root; Port = port; }

    /// <summary>A repository whose second commit plants <see cref="PlantedKeyId"/> in <see cref="SecretFile"/>.</summary>
    public static async Task<GitRepositoryServer> StartAsync()
    {
        var (root, repo) = await NewRepositoryAsync();
        await CommitAsync(repo, "add settings", new Dictionary<string, string>
        {
            [SecretFile] = $"[aws]\nregion = eu-west-1\naws_access_key_id = {PlantedKeyId}\n",
        });
        return await ServeAsync(root);
    }

    /// <summary>A repository with a README and, in a second commit, <paramref name="files"/> (path → content).</summary>
    public static async Task<GitRepositoryServer> StartAsync(IReadOnlyDictionary<string, string> files)
    {
        var (root, repo) = await NewRepositoryAsync();
        if (files.Count > 0) await CommitAsync(repo, "add files", files);
        return await ServeAsync(root);
    }

    private static async Task<(string Root, string Repo)> NewRepositoryAsync()
    {
        var root = Directory.CreateTempSubdirectory("scangate-git-").FullName;
        var repo = Path.Combine(root, "app");
        Directory.CreateDirectory(repo);
        await Git(repo, "init", "-q", "-b", "main");
        await CommitAsync(repo, "first", new Dictionary<string, string> { ["README.md"] = "# app\n" });
        return (root, repo);
    }

    private static async Task CommitAsync(string repo, string message, IReadOnlyDictionary<string, string> files)
    {
        foreach (var (path, content) in files)
        {
            var full = Path.Combine(repo, path);
            Directory.CreateDirectory(Path.GetDirectoryName(full)!);
            await File.WriteAllTextAsync(full, content);
        }
        await Git(repo, "add", "-A");
        await Git(repo, "-c", "user.name=Dev", "-c", "user.email=dev@example.test", "commit", "-qm", message);
    }

    private static async Task<GitRepositoryServer> ServeAsync(string root)
    {
        var port = Net.FreePort();
        var daemon = Proc.Start("git", root, "daemon", "--export-all", $"--base-path={root}", "--listen=127.0.0.1", $"--port={port}", "--reuseaddr", root);
        await Net.WaitForPortAsync(port, TimeSpan.FromSeconds(10));
        return new GitRepositoryServer(daemon, root, port);
    }

    private static Task<string> Git(string dir, params string[] args) => Proc.RunCheckedAsync("git", ["-C", dir, .. args]);

    public ValueTask DisposeAsync()
    {
        try { _daemon.Kill(entireProcessTree: true); } catch (InvalidOperationException) { /* already exited */ }
        _daemon.Dispose();
        Directory.Delete(_root, recursive: true);
        return ValueTask.CompletedTask;
    }
}
