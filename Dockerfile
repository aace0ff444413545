# segstream image: one image, every role (produce | work | compose | run).
FROM node:20-bookworm-slim
# cpu: onnxruntime-node's bundled CPU build. cuda12: also fetch its CUDA provider at build time.
ARG ORT_INSTALL=skip
ENV ONNXRUNTIME_NODE_INSTALL=${ORT_INSTALL}
WORKDIR /app
COPY package.json package-lock.json .npmrc tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY bench ./bench
COPY bin ./bin
COPY models ./models
RUN npm install --no-audit --no-fund && npm prune --omit=dev
ENTRYPOINT ["node", "/app/bin/segstream.js"]
