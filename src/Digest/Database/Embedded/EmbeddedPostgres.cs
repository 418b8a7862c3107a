using System.Text.RegularExpressions;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Digest.Database.Embedded;

/// <summary>
/// A private PostgreSQL cluster, run from the machine's own binaries in a data folder this process
/// owns. It listens only on a Unix socket inside that folder (no TCP port to collide or expose),
/// is reused across starts, and is stopped on <see cref="StopAsync"/> or process exit.
/// The embedded default and the test harness both use this class.
/// </summary>
public sealed partial class EmbeddedPostgres : IAsyncDisposable
{
    const string SuperUser = "digest";
    // With listen_addresses empty the port only names the socket file (.s.PGSQL.5432).
    const int SocketPort = 5432;
    static readonly TimeSpan ProgramTimeout = TimeSpan.FromSeconds(90);

    readonly PostgresBinaries _binaries;
    // Null when this process joined a cluster another process owns.
    readonly FileStream? _lock;
    readonly ILogger _logger;
    readonly SemaphoreSlim _stopping = new(1, 1);
    bool _stopped;

    EmbeddedPostgres(EmbeddedPostgresSettings settings, PostgresBinaries binaries, FileStream? folderLock, ILogger logger)
    {
        Settings = settings;
        _binaries = binaries;
        _lock = folderLock;
        _logger = logger;
    }

    public EmbeddedPostgresSettings Settings { get; }

    /// <summary>True when this process started the cluster and will stop it; false when it joined a running service's.</summary>
    public bool Owned => _lock is not null;
    public string DataDirectory => Settings.DataDirectory;
    public string ClusterDirectory => Path.Combine(DataDirectory, "pg");
    public string SocketDirectory => Path.Combine(DataDirectory, "run");
    public string ServerLog => Path.Combine(ClusterDirectory, "server.log");

    public string ConnectionString(string database) => new NpgsqlConnectionStringBuilder
    {
        Host = SocketDirectory,
        Port = SocketPort,
        Username = SuperUser,
        Database = database,
    }.ConnectionString;

    /// <summary>Prepares (first time) and starts the cluster, and makes sure the service's database exists.</summary>
    public static async Task<EmbeddedPostgres> StartAsync(
        EmbeddedPostgresSettings settings, ILogger logger, CancellationToken cancellationToken = default)
    {
        (settings, var binaries) = Prepare(settings);
        var folderLock = TryTakeFolderLock(settings.DataDirectory) ?? throw FolderInUse(settings.DataDirectory);
        return await StartOwnedAsync(settings, binaries, folderLock, logger, cancellationToken);
    }

    /// <summary>
    /// Starts the cluster as <see cref="StartAsync"/> does, unless another process (a running
    /// service) owns the folder: then connects to that process's server through its socket and
    /// leaves starting and stopping it to the owner. Waits up to <paramref name="patience"/> for an
    /// owner that is still starting its server; an owner that exits meanwhile hands the folder over.
    /// </summary>
    public static async Task<EmbeddedPostgres> StartOrJoinAsync(
        EmbeddedPostgresSettings settings, ILogger logger, TimeSpan patience, CancellationToken cancellationToken = default)
    {
        (settings, var binaries) = Prepare(settings);
        var dataDirectory = settings.DataDirectory;
        var deadline = DateTime.UtcNow + patience;
        while (true)
        {
            if (TryTakeFolderLock(dataDirectory) is { } folderLock)
                return await StartOwnedAsync(settings, binaries, folderLock, logger, cancellationToken);
            var guest = new EmbeddedPostgres(settings, binaries, null, logger);
            if (await guest.AnswersAsync(cancellationToken))
            {
                logger.LogInformation("The data folder {DataDirectory} belongs to a running Digest service: using its PostgreSQL on {SocketDirectory}",
                    dataDirectory, guest.SocketDirectory);
                return guest;
            }
            if (DateTime.UtcNow > deadline)
            {
                throw new EmbeddedPostgresException(
                    $"Another Digest process holds the data folder {dataDirectory}, but its PostgreSQL did not answer on {guest.SocketDirectory} " +
                    $"within {patience.TotalSeconds:0} s. See {guest.ServerLog}.");
            }
            await Task.Delay(TimeSpan.FromMilliseconds(250), cancellationToken);
        }
    }

    static (EmbeddedPostgresSettings Settings, PostgresBinaries Binaries) Prepare(EmbeddedPostgresSettings settings)
    {
        var binaries = PostgresBinaries.Find(settings.BinDirectory);
        // Refused before anything is made on disk.
        _ = ServerSettingOptions(settings.ServerSettings);
        settings = settings with { DataDirectory = Path.GetFullPath(settings.DataDirectory) };
        Directory.CreateDirectory(settings.DataDirectory);
        if (ServerProcess.RunningAsRoot)
            EnsureServiceUserCanReach(settings.DataDirectory);
        return (settings, binaries);
    }

    async Task<bool> AnswersAsync(CancellationToken cancellationToken)
    {
        if (!File.Exists(Path.Combine(SocketDirectory, $".s.PGSQL.{SocketPort}")))
            return false;
        try
        {
            await using var connection = new NpgsqlConnection(ConnectionString(Settings.Database) + ";Pooling=false;Timeout=5");
            await connection.OpenAsync(cancellationToken);
            return true;
        }
        catch (NpgsqlException)
        {
            // Starting, or its database not created yet.
            return false;
        }
    }

    static async Task<EmbeddedPostgres> StartOwnedAsync(
        EmbeddedPostgresSettings settings, PostgresBinaries binaries, FileStream folderLock, ILogger logger, CancellationToken cancellationToken)
    {
        var cluster = new EmbeddedPostgres(settings, binaries, folderLock, logger);
        try
        {
            await cluster.InitialiseIfNewAsync(cancellationToken);
            await cluster.StopOrphanAsync(cancellationToken);
            await cluster.StartServerAsync(cancellationToken);
            await cluster.CreateDatabaseAsync(settings.Database, cancellationToken);
        }
        catch
        {
            await cluster.StopAsync();
            throw;
        }
        AppDomain.CurrentDomain.ProcessExit += (_, _) => cluster.StopAsync().GetAwaiter().GetResult();
        return cluster;
    }

    /// <summary>
    /// One process per data folder: an exclusive lock on a file in it. .NET takes an advisory
    /// flock for FileShare.None, so a second process (or a second start in this one) fails here,
    /// before touching the cluster, and the kernel drops the lock if this process dies.
    /// </summary>
    static FileStream? TryTakeFolderLock(string dataDirectory)
    {
        try
        {
            return new FileStream(LockPath(dataDirectory), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException)
        {
            return null;
        }
    }

    static string LockPath(string dataDirectory) => Path.Combine(dataDirectory, "digest.lock");

    static EmbeddedPostgresException FolderInUse(string dataDirectory) => new(
        $"Another Digest process is already using the data folder {dataDirectory} (it holds {LockPath(dataDirectory)}). " +
        "Stop that process, or give this one its own folder with Digest:DataDir (env Digest__DataDir).");

    /// <summary>As root the server runs as 'postgres', which must be able to walk down to the folder.</summary>
    static void EnsureServiceUserCanReach(string dataDirectory)
    {
        for (var dir = Path.GetDirectoryName(dataDirectory); !string.IsNullOrEmpty(dir); dir = Path.GetDirectoryName(dir))
        {
            var mode = File.GetUnixFileMode(dir);
            if (!mode.HasFlag(UnixFileMode.OtherExecute))
            {
                throw new EmbeddedPostgresException(
                    $"Running as root, PostgreSQL runs as the '{ServerProcess.ServiceUser}' user, which cannot enter {dir}. " +
                    "Set Digest:DataDir (env Digest__DataDir) to a folder outside it, such as /var/lib/digest.");
            }
        }
    }

    async Task InitialiseIfNewAsync(CancellationToken cancellationToken)
    {
        if (File.Exists(Path.Combine(ClusterDirectory, "PG_VERSION")))
        {
            _logger.LogInformation("Using the PostgreSQL cluster in {ClusterDirectory}", ClusterDirectory);
            return;
        }

        // A folder without PG_VERSION is an initdb that did not finish: start it again from nothing.
        if (Directory.Exists(ClusterDirectory))
            Directory.Delete(ClusterDirectory, recursive: true);
        Directory.CreateDirectory(ClusterDirectory);
        Directory.CreateDirectory(SocketDirectory);
        File.SetUnixFileMode(ClusterDirectory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        File.SetUnixFileMode(SocketDirectory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        ServerProcess.GiveToServiceUser(ClusterDirectory);
        ServerProcess.GiveToServiceUser(SocketDirectory);

        _logger.LogInformation("Creating a private PostgreSQL cluster in {ClusterDirectory} with {InitDb}", ClusterDirectory, _binaries.InitDb);
        string[] arguments =
        [
            "--pgdata", ClusterDirectory, "--username", SuperUser, "--auth", "trust",
            // Unqualified: initdb writes 'pg_catalog.' in front of whatever it is given, and a
            // doubly qualified name breaks every parallel query (workers cannot restore it).
            "--encoding", "UTF8", "--locale", "C", "--text-search-config", "english",
            .. Settings.Durable ? Array.Empty<string>() : ["--no-sync"],
        ];
        var (exitCode, output) = await ServerProcess.RunAsync(_binaries.InitDb, arguments, ProgramTimeout, cancellationToken);
        if (exitCode != 0)
        {
            TryDelete(ClusterDirectory);
            throw new EmbeddedPostgresException($"initdb failed (exit {exitCode}) for {ClusterDirectory}: {output}");
        }
    }

    /// <summary>
    /// We hold the folder lock, so a server still running on this cluster was left behind by a
    /// process that died without stopping it (kill -9). Stop it before starting our own.
    /// </summary>
    async Task StopOrphanAsync(CancellationToken cancellationToken)
    {
        if (!File.Exists(Path.Combine(ClusterDirectory, "postmaster.pid")))
            return;
        var (status, _) = await ServerProcess.RunAsync(_binaries.PgCtl, ["status", "--pgdata", ClusterDirectory], ProgramTimeout, cancellationToken);
        if (status != 0)
            return;
        _logger.LogWarning("A PostgreSQL server left running by an earlier process was found on {ClusterDirectory}; stopping it", ClusterDirectory);
        await StopServerAsync(cancellationToken);
    }

    /// <summary>
    /// The operator's settings as <c>-c</c> options. pg_ctl hands its <c>-o</c> to a shell, so a
    /// name or value is refused unless it is plain (letters, digits and <c>_ . , : - /</c>): a
    /// setting can never become a command.
    /// </summary>
    /// <exception cref="EmbeddedPostgresException">A name or value that is not plain.</exception>
    internal static List<string> ServerSettingOptions(IReadOnlyDictionary<string, string>? settings)
    {
        var options = new List<string>();
        foreach (var (name, value) in settings ?? new Dictionary<string, string>())
        {
            if (!PlainName().IsMatch(name))
                throw new EmbeddedPostgresException($"Digest:PostgresSettings: '{name}' is not a PostgreSQL setting name (letters, digits, '_' and '.')");
            if (OwnSettings.Contains(name))
                throw new EmbeddedPostgresException($"Digest:PostgresSettings: '{name}' is the embedded cluster's own: it answers only on its private socket, where it trusts whoever connects, so where it listens and what it trusts are not to be changed (use ConnectionStrings:Postgres for a server of your own)");
            if (!PlainValue().IsMatch(value))
                throw new EmbeddedPostgresException($"Digest:PostgresSettings:{name}: '{value}' is not a plain value (letters, digits and '_ . , : - /'; no spaces or quotes)");
            options.Add($"-c {name}={value}");
        }
        return options;
    }

    /// <summary>Where the server listens, its files and its authentication: what makes trusting every connection safe.</summary>
    static readonly HashSet<string> OwnSettings = new(StringComparer.OrdinalIgnoreCase)
    {
        "listen_addresses", "port", "unix_socket_directories", "unix_socket_group", "unix_socket_permissions",
        "data_directory", "config_file", "hba_file", "ident_file", "external_pid_file",
    };

    [GeneratedRegex(@"^[A-Za-z_][A-Za-z0-9_.]*$")]
    private static partial Regex PlainName();

    [GeneratedRegex(@"^[A-Za-z0-9_.,:/-]+$")]
    private static partial Regex PlainValue();

    async Task StartServerAsync(CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(SocketDirectory);
        ServerProcess.GiveToServiceUser(SocketDirectory);
        if (SocketDirectory.Contains('\'', StringComparison.Ordinal))
            throw new EmbeddedPostgresException($"The data folder path may not contain a single quote: {DataDirectory}");

        var serverOptions = string.Join(' ',
        [
            "-c listen_addresses=''",
            $"-c unix_socket_directories='{SocketDirectory}'",
            "-c unix_socket_permissions=0700",
            $"-p {SocketPort}",
            "-c max_connections=200",
            // Clusters made before initdb got an unqualified name carry 'pg_catalog.pg_catalog.english'.
            "-c default_text_search_config=pg_catalog.english",
            .. Settings.Durable ? Array.Empty<string>() : ["-c fsync=off", "-c synchronous_commit=off", "-c full_page_writes=off"],
            .. ServerSettingOptions(Settings.ServerSettings),
        ]);
        // pg_ctl detaches the server into its own session, so a Ctrl-C in the terminal reaches only
        // us; StopAsync then shuts it down cleanly.
        var (exitCode, output) = await ServerProcess.RunAsync(
            _binaries.PgCtl,
            ["start", "--pgdata", ClusterDirectory, "--wait", "--timeout", "60", "--log", ServerLog, "-o", serverOptions],
            ProgramTimeout, cancellationToken);
        if (exitCode != 0)
        {
            var log = File.Exists(ServerLog) ? string.Join('\n', File.ReadLines(ServerLog).TakeLast(15)) : "";
            throw new EmbeddedPostgresException($"PostgreSQL did not start on {ClusterDirectory} (pg_ctl exit {exitCode}): {output}\n{log}");
        }
        _logger.LogInformation("PostgreSQL is running on the socket in {SocketDirectory}", SocketDirectory);
    }

    async Task CreateDatabaseAsync(string database, CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(ConnectionString("postgres"));
        await connection.OpenAsync(cancellationToken);
        await using var exists = new NpgsqlCommand("SELECT 1 FROM pg_database WHERE datname = $1", connection)
        {
            Parameters = { new() { Value = database } },
        };
        if (await exists.ExecuteScalarAsync(cancellationToken) is not null)
            return;
        var quoted = "\"" + database.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
        await using var create = new NpgsqlCommand($"CREATE DATABASE {quoted}", connection);
        await create.ExecuteNonQueryAsync(cancellationToken);
        _logger.LogInformation("Created database {Database}", database);
    }

    async Task StopServerAsync(CancellationToken cancellationToken)
    {
        var (exitCode, output) = await ServerProcess.RunAsync(
            _binaries.PgCtl, ["stop", "--pgdata", ClusterDirectory, "--mode", "fast", "--wait", "--timeout", "60"],
            ProgramTimeout, cancellationToken);
        if (exitCode != 0 && !output.Contains("Is server running?", StringComparison.Ordinal))
            _logger.LogWarning("pg_ctl stop exited {ExitCode}: {Output}", exitCode, output);
    }

    /// <summary>Stops the server (fast shutdown: clients are disconnected, nothing committed is lost) and releases the folder.</summary>
    public async Task StopAsync()
    {
        await _stopping.WaitAsync();
        try
        {
            if (_stopped)
                return;
            _stopped = true;
            // A guest leaves the server to its owner.
            if (!Owned)
                return;
            if (File.Exists(Path.Combine(ClusterDirectory, "postmaster.pid")))
            {
                NpgsqlConnection.ClearAllPools();
                await StopServerAsync(CancellationToken.None);
                _logger.LogInformation("PostgreSQL stopped");
            }
        }
        finally
        {
            if (_lock is not null)
                await _lock.DisposeAsync();
            _stopping.Release();
        }
    }

    public async ValueTask DisposeAsync() => await StopAsync();

    static void TryDelete(string directory)
    {
        try
        {
            Directory.Delete(directory, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
