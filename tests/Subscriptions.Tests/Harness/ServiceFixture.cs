namespace Digest.Subscriptions.Tests.Harness;

/// <summary>A fixture with one service (and its own database) for all its tests, and a browser-like client.</summary>
public abstract class ServiceFixture
{
    protected TestService Service { get; private set; } = null!;
    protected HttpClient Client { get; private set; } = null!;

    /// <summary>Configuration on top of the test defaults, for fixtures that test a setting.</summary>
    protected virtual IReadOnlyDictionary<string, string?>? Settings => null;

    [OneTimeSetUp]
    public async Task StartService()
    {
        Service = await TestService.StartAsync(Settings);
        Client = Service.Client();
    }

    [OneTimeTearDown]
    public async Task StopService()
    {
        Client.Dispose();
        await Service.DisposeAsync();
    }
}
