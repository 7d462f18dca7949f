using System.Diagnostics;

namespace ScanGate.Tests.Infrastructure;

/// <summary>A Git repository the test creates, served by `git daemon` on 127.0.0.1: by default with a secret planted in
/// one file (or, with plantSecret false, the same file without it), or holding the files a test gives.</summary>
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

    public static Task<GitRepositoryServer> StartAsync(bool plantSecret = true) => ServeAsync(async repo =>
    {
        await Commit(repo, "first", new Dictionary<string, string> { ["README.md"] = "# app\n" });
        await Commit(repo, "add settings", new Dictionary<string, string>
        {
            [SecretFile] = plantSecret ? $"[aws]\nregion = eu-west-1\naws_access_key_id = {PlantedKeyId}\n" : "[aws]\nregion = eu-west-1\nprofile = deploy\n",
        });
    });

    /// <summary>A repository of one commit holding <paramref name="files"/> (path in the repository → content).</summary>
    public static Task<GitRepositoryServer> StartAsync(IReadOnlyDictionary<string, string> files) =>
        ServeAsync(repo => Commit(repo, "first", files));

    private static async Task<GitRepositoryServer> ServeAsync(Func<string, Task> fill)
    {
        var root = Directory.CreateTempSubdirectory("scangate-git-").FullName;
        var repo = Path.Combine(root, "app");
        Directory.CreateDirectory(repo);
        await Git(repo, "init", "-q", "-b", "main");
        await fill(repo);
        var port = Net.FreePort();
        var daemon = Proc.Start("git", root, "daemon", "--export-all", $"--base-path={root}", "--listen=127.0.0.1", $"--port={port}", "--reuseaddr", root);
        await Net.WaitForPortAsync(port, TimeSpan.FromSeconds(10));
        return new GitRepositoryServer(daemon, root, port);
    }

    /// <summary>The commit id <paramref name="rev"/> names (HEAD, HEAD~1 …).</summary>
    public async Task<string> RevParseAsync(string rev) => (await Git(Path.Combine(_root, "app"), "rev-parse", rev)).Trim();

    /// <summary>Commits <paramref name="files"/> on <paramref name="branch"/> (made from the current main when new),
    /// leaves main checked out, and returns the new commit's id.</summary>
    public async Task<string> CommitOnBranchAsync(string branch, IReadOnlyDictionary<string, string> files, string message = "change")
    {
        var repo = Path.Combine(_root, "app");
        await Git(repo, "checkout", "-q", "-B", branch);
        await Commit(repo, message, files);
        var id = await RevParseAsync("HEAD");
        await Git(repo, "checkout", "-q", "main");
        return id;
    }

    private static async Task Commit(string repo, string message, IReadOnlyDictionary<string, string> files)
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

    private static Task<string> Git(string dir, params string[] args) => Proc.RunCheckedAsync("git", ["-C", dir, .. args]);

    public ValueTask DisposeAsync()
    {
        try { _daemon.Kill(entireProcessTree: true); } catch (InvalidOperationException) { /* already exited */ }
        _daemon.Dispose();
        Directory.Delete(_root, recursive: true);
        return ValueTask.CompletedTask;
    }
}
