# The wall, its collectors and its bulletin scheduler, from the installed wheel; the command
# chooses. Two targets: `slim` (collectors: no LibreOffice) and `full` (the wall and the
# bulletin scheduler, which render PDF bulletins). Build from a mirror inside the government
# network (no internet at run time: every asset, font and map is in the image).
FROM python:3.11.11-slim-bookworm AS slim
RUN useradd --system --create-home --home-dir /var/lib/gdwall gdwall
WORKDIR /opt/gdwall
COPY pyproject.toml README.md requirements.lock ./
RUN pip install --no-cache-dir --require-hashes -r requirements.lock
COPY wall ./wall
COPY collectors ./collectors
COPY geo ./geo
# the installed wheel holds every file the app reads; the copied sources go
RUN pip install --no-cache-dir --no-deps . && rm -rf wall collectors geo
USER gdwall
ENV GDWALL_DATA_DIR=/var/lib/gdwall HOME=/var/lib/gdwall
EXPOSE 8050 9108
CMD ["gdwall", "serve", "--host", "0.0.0.0", "--port", "8050"]

FROM slim AS full
USER root
RUN apt-get update \
 && apt-get install -y --no-install-recommends libreoffice-writer-nogui fonts-noto-cjk poppler-utils \
 && rm -rf /var/lib/apt/lists/*
USER gdwall
