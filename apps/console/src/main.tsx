import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { BrowserRouter, Navigate, Route, Routes } from 'react-router';
import { ApiError } from './api';
import { Layout } from './pages/layout';
import { AssetPage } from './pages/asset';
import { Callback } from './pages/callback';
import { Assets } from './pages/assets';
import { Connectors } from './pages/connectors';
import { IncidentPage } from './pages/incident';
import { Incidents } from './pages/incidents';
import { Overview } from './pages/overview';
import { RequiresRole } from './pages/requires-role';
import { RuleEditor } from './pages/rule-editor';
import { Rules } from './pages/rules';
import { Support } from './pages/support';
import { SignIn } from './pages/sign-in';
import './styles.css';

const queries = new QueryClient({
  defaultOptions: {
    // a refused credential is not tried again: the page says why
    queries: { retry: (count, err) => !(err instanceof ApiError && (err.status === 401 || err.status === 403)) && count < 2, staleTime: 10_000 },
  },
});

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <QueryClientProvider client={queries}>
      <BrowserRouter basename="/console">
        <Routes>
          <Route path="/sign-in" element={<SignIn />} />
          <Route path="/callback" element={<Callback />} />
          <Route element={<Layout />}>
            <Route index element={<Overview />} />
            <Route path="assets" element={<Assets />} />
            <Route path="assets/*" element={<AssetPage />} />
            <Route path="connectors" element={<RequiresRole role="admin"><Connectors /></RequiresRole>} />
            <Route path="support" element={<RequiresRole role="support"><Support /></RequiresRole>} />
            <Route path="incidents" element={<Incidents />} />
            <Route path="incidents/:id" element={<IncidentPage />} />
            <Route path="rules" element={<RequiresRole role="steward"><Rules /></RequiresRole>} />
            <Route path="rules/new" element={<RequiresRole role="steward"><RuleEditor /></RequiresRole>} />
            <Route path="rules/:id" element={<RequiresRole role="steward"><RuleEditor /></RequiresRole>} />
          </Route>
          <Route path="*" element={<Navigate to="/" replace />} />
        </Routes>
      </BrowserRouter>
    </QueryClientProvider>
  </StrictMode>,
);
