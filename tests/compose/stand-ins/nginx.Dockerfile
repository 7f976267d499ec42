# STAND-IN for the upstream image `nginx:1.27-alpine` (Docker Hub), which cannot be
# pulled here: Debian 12's nginx (1.22, which has every directive docker/nginx/*.conf
# uses) and wget for the compose health check, as busybox provides upstream.
FROM anchor-standin/bookworm-minbase
RUN apt-get update \
  && apt-get install -y --no-install-recommends nginx wget \
  && rm -rf /var/lib/apt/lists/* /etc/nginx/sites-enabled/*
EXPOSE 80 443
CMD ["nginx", "-g", "daemon off;"]
