{
  "targets": [
    {
      "target_name": "mmagent_icmp",
      "sources": ["src/icmp.c"],
      "defines": ["NAPI_VERSION=8"],
      "cflags": ["-std=gnu11", "-Wall", "-Wextra", "-Wno-unused-parameter"]
    }
  ]
}
