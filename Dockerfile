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
# .npmrc skips every install script; the CUDA provider, when asked for, is fetched explicitly.
RUN npm ci && npm run build \
 && if [ "$ORT_INSTALL" != skip ]; then node node_modules/onnxruntime-node/script/install.js; fi \
 && npm prune --omit=dev
ENTRYPOINT ["node", "/app/bin/segstream.js"]
