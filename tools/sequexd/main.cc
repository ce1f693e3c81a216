// sequexd: the exchange server. docs/server.md describes what it runs and how to talk to it.
//
//   sequexd [--config FILE] [--data-dir DIR] [--listen HOST:PORT] [--admin-listen HOST:PORT] [--no-demo]
//
// Prints "sequexd: ready http=… admin=… data=…" on stdout once it accepts connections; logs go to stderr.
// Exit: 0 after SIGINT/SIGTERM, 2 when it cannot start (bad config, recovery failed, port taken).
#include <sys/resource.h>
#include <sys/stat.h>

#include <CLI/CLI.hpp>
#include <csignal>
#include <iostream>

#include "common/guarded_main.h"
#include "common/plain_decimal_option.h"
#include "common/stop_signals.h"
#include "server/server.h"

static int Main(int argc, char** argv) {
  CLI::App app{"sequexd: the Sequex exchange server"};
  std::string config_path, data_dir, listen, admin_listen;
  bool no_demo = false;
  app.add_option("--config", config_path, "TOML file read over the embedded default");
  app.add_option("--data-dir", data_dir, "journal, snapshots and admin files (default: ./data)");
  app.add_option("--listen", listen, "API address, HOST:PORT (default 127.0.0.1:8080; port 0 = any free port)");
  app.add_option("--admin-listen", admin_listen, "operator endpoint, loopback HOST:PORT (default 127.0.0.1:0)");
  app.add_flag("--no-demo", no_demo, "default instruments, but no market maker and no demo accounts");
  sequex::RequirePlainDecimalIntegers(app);  // none today: an integer flag added later is read as decimal
  CLI11_PARSE(app, argc, argv);

  std::string error;
  std::optional<sequex::server::ServerConfig> config = sequex::server::LoadServerConfig(config_path, &error);
  if (!config) {
    std::cerr << "sequexd: " << error << "\n";
    return 2;
  }
  if (!data_dir.empty()) config->data_dir = data_dir;
  if (!listen.empty()) config->listen = listen;
  if (!admin_listen.empty()) config->admin_listen = admin_listen;

  // The data folder holds the API secrets in clear (the journal) and the admin token: whatever this process
  // creates is its user's alone, from the moment it exists (a token written 0644 and then chmod-ed was readable).
  umask(077);
  // Thousands of client sockets: use every descriptor the hard limit allows.
  rlimit files{};
  if (getrlimit(RLIMIT_NOFILE, &files) == 0 && files.rlim_cur < files.rlim_max) {
    files.rlim_cur = files.rlim_max;
    setrlimit(RLIMIT_NOFILE, &files);
  }
  // SIGINT / SIGTERM are taken by WaitForSignal and Drain only: blocked here, before any thread starts.
  sequex::BlockStopSignals();
  std::signal(SIGPIPE, SIG_IGN);

  sequex::server::Server server(*config, !no_demo);
  if (!server.Start(&error)) {
    std::cerr << "sequexd: " << error << "\n";
    server.Stop();
    return 2;
  }
  std::cout << server.ReadyLine() << std::endl;
  server.WaitForSignal();
  server.Stop();
  return 0;
}

int main(int argc, char** argv) { return sequex::GuardedMain("sequexd", 2, Main, argc, argv); }
