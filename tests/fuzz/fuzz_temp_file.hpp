// One scratch file a fuzz target rewrites with each input, for parsers
// that read files (key files, the auth file). Mode 0600 so the secret key
// reader's permission check passes; removed at exit.
#pragma once

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <string>

namespace beamscope::fuzz {

class TempFile {
 public:
  explicit TempFile(const char* name) {
    const char* dir = std::getenv("TMPDIR");
    path_ = std::string(dir && *dir ? dir : "/tmp") + "/" + name + "." + std::to_string(::getpid());
  }
  ~TempFile() { ::unlink(path_.c_str()); }

  /// The file's new content; false when it could not be written.
  bool write(const std::uint8_t* data, std::size_t size) {
    const int fd = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) return false;
    bool ok = ::fchmod(fd, 0600) == 0;
    for (std::size_t done = 0; ok && done < size;) {
      const ssize_t n = ::write(fd, data + done, size - done);
      ok = n > 0;
      if (ok) done += static_cast<std::size_t>(n);
    }
    ::close(fd);
    return ok;
  }

  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

}  // namespace beamscope::fuzz
