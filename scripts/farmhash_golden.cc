// Golden Fingerprint64 values from Debian's libfarmhash (the oracle) for
// src/ops/farmhash.test.ts. Build and run:
//   g++ -O1 -o /tmp/farmhash_golden scripts/farmhash_golden.cc -lfarmhash && /tmp/farmhash_golden > test/fixtures/farmhash_golden.json
// Inputs: every length 0..200 of a fixed byte pattern (covering each code path: 0-3, 4-7,
// 8-16, 17-32, 33-64 bytes and the 64-byte loop with every tail), plus some words.
#include <farmhash.h>
#include <cstdio>
#include <string>

int main() {
  std::string pattern;
  for (int i = 0; i < 200; i++) pattern.push_back(static_cast<char>((i * 131 + 7) & 0xff));
  std::printf("{\n \"pattern\": [");
  for (size_t i = 0; i < pattern.size(); i++)
    std::printf("%s%d", i ? "," : "", static_cast<unsigned char>(pattern[i]));
  std::printf("],\n \"prefixes\": [");
  for (size_t n = 0; n <= pattern.size(); n++)
    std::printf("%s\"%llu\"", n ? "," : "", static_cast<unsigned long long>(util::Fingerprint64(pattern.data(), n)));
  std::printf("],\n \"words\": {");
  const char* words[] = {"", "A", "B", "C", "D", "E", "m", "z", "Hello", "TensorFlow", "2.x", "the quick brown fox jumps over the lazy dog", "h\xc3\xa9llo"};
  for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
    std::string w(words[i]);
    std::printf("%s\"%s\": \"%llu\"", i ? "," : "", w.c_str(), static_cast<unsigned long long>(util::Fingerprint64(w)));
  }
  std::printf("}\n}\n");
  return 0;
}
